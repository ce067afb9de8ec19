/**
 * The YAML configuration as immutable records, and its loading and validation. Every error names
 * the file, the line and the key; a config with any error is never half-applied.
 *
 * <p>Place in the flow: read once at start-up (and on reload) by {@code app}; the records are handed
 * to listeners and sessions. Depends on {@code smtp} only, for domain and address syntax.
 */
package io.portcullis.config;
