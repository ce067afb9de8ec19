/**
 * Wiring and the command line: configuration to object graph with plain constructors
 * ({@link io.portcullis.app.Gateway}), and the picocli commands ({@link io.portcullis.app.Main}).
 *
 * <p>Place in the flow: the top; depends on every other package, nothing depends on it.
 */
package io.portcullis.app;
