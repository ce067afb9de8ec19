package io.portcullis.config;

import java.nio.file.Path;

/**
 * Certificate and key in PEM files. With {@code selfSigned}, both live in the data directory and
 * are generated on first start when missing (the embedded default does this).
 */
public record TlsConfig(Path certificate, Path key, boolean selfSigned) {
}
