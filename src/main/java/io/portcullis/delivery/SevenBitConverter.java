package io.portcullis.delivery;

import jakarta.activation.DataHandler;
import jakarta.activation.DataSource;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.SharedInputStream;
import jakarta.mail.util.ByteArrayDataSource;
import jakarta.mail.util.SharedFileInputStream;
import io.portcullis.spool.StoredMessage;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Properties;

/**
 * Makes an 8-bit message 7-bit for a next hop without 8BITMIME (RFC 6152 §3): every part whose
 * body holds 8-bit octets is re-encoded, text as quoted-printable and anything else as base64,
 * leaving the rest of the message alone. A message whose headers carry raw 8-bit octets cannot be
 * converted without changing what it says; {@link #convert} then returns null and the caller
 * bounces with 5.6.3 rather than garble it.
 */
final class SevenBitConverter {
    private static final Session SESSION = Session.getInstance(properties());

    private SevenBitConverter() {
    }

    private static Properties properties() {
        Properties properties = new Properties();
        properties.put("mail.mime.allowutf8", "false");
        properties.put("mail.mime.ignoreunknownencoding", "true");
        return properties;
    }

    /** True when any octet of the file has the high bit set. */
    static boolean isEightBit(StoredMessage message) throws IOException {
        try (InputStream in = message.open()) {
            byte[] buffer = new byte[64 * 1024];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] < 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * The 7-bit form of the message, ready to be written (twice if need be), or null when its
     * headers are 8-bit and it cannot be converted. Nothing of the message body is held in memory:
     * Jakarta Mail reads a {@link SharedFileInputStream} by reference, converted parts are
     * re-encoded from the file as they are written, and this method's measuring pass (for SIZE=
     * and the 7-bit check) writes to no buffer.
     */
    static Converted convert(StoredMessage stored) throws IOException {
        SharedFileInputStream file = new SharedFileInputStream(stored.file().toFile());
        try {
            MimeMessage message = new PreservingMessage(file.newStream(0, stored.length()));
            boolean hadDate = message.getHeader("Date") != null;
            convertPart(message);
            message.saveChanges();
            if (!hadDate) {
                message.removeHeader("Date"); // saveChanges adds one; the message must say what it said
            }
            Converted converted = new Converted(message, file);
            MeasuringStream measure = new MeasuringStream();
            converted.writeTo(measure);
            if (measure.eightBit) {
                converted.close();
                return null;
            }
            converted.size = measure.count;
            return converted;
        } catch (MessagingException e) {
            file.close();
            throw new IOException("cannot convert to 7 bit: " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** A converted message; {@link #close()} releases the spool file. */
    static final class Converted implements AutoCloseable {
        private final MimeMessage message;
        private final SharedFileInputStream file;
        private long size;

        private Converted(MimeMessage message, SharedFileInputStream file) {
            this.message = message;
            this.file = file;
        }

        /** Octets {@link #writeTo} writes. */
        long size() {
            return size;
        }

        void writeTo(OutputStream out) throws IOException {
            // Jakarta Mail's encoders write an octet at a time.
            BufferedOutputStream buffered = new BufferedOutputStream(out, 8 * 1024);
            try {
                message.writeTo(buffered);
            } catch (MessagingException e) {
                throw new IOException("cannot convert to 7 bit: " + e.getMessage(), e);
            }
            buffered.flush();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    /** Counts what is written to it and whether any octet is 8-bit; keeps nothing. */
    private static final class MeasuringStream extends OutputStream {
        private long count;
        private boolean eightBit;

        @Override
        public void write(int b) {
            count++;
            eightBit |= (b & 0x80) != 0;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            count += length;
            for (int i = offset; i < offset + length && !eightBit; i++) {
                eightBit = bytes[i] < 0;
            }
        }
    }

    private static void convertPart(Part part) throws MessagingException, IOException {
        if (part.isMimeType("multipart/*")) {
            Multipart multipart = (Multipart) part.getContent();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                convertPart(child);
            }
            // Make the multipart write its (possibly changed) parts instead of the original octets.
            part.setContent(multipart);
            return;
        }
        if (part instanceof MimePart mime && isIdentityEncoding(mime.getEncoding()) && hasEightBitBody(mime)) {
            // Without the header Jakarta Mail picks quoted-printable (mostly ASCII text) or base64 from the
            // data; setting the data handler makes it write the re-encoded body, not the original octets.
            InputStream body = rawStream(mime); // identity encoding: the raw octets are the body
            String type = part.getContentType();
            // A body Jakarta Mail already holds in memory (inside a wrongly encoded multipart) stays there.
            DataSource source = body instanceof SharedInputStream shared ? new BodySource(shared, type)
                    : new ByteArrayDataSource(body, type);
            mime.removeHeader("Content-Transfer-Encoding");
            part.setDataHandler(new DataHandler(source));
        }
    }

    /** 7bit, 8bit and binary leave the octets as they are; only such bodies can hold raw 8-bit data. */
    private static boolean isIdentityEncoding(String encoding) {
        return encoding == null || encoding.equalsIgnoreCase("8bit") || encoding.equalsIgnoreCase("binary")
                || encoding.equalsIgnoreCase("7bit");
    }

    private static InputStream rawStream(MimePart part) throws MessagingException {
        return part instanceof MimeMessage message ? message.getRawInputStream()
                : ((MimeBodyPart) part).getRawInputStream();
    }

    private static boolean hasEightBitBody(MimePart part) throws MessagingException, IOException {
        try (InputStream in = new BufferedInputStream(rawStream(part))) {
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b >= 128) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A part's body read again from the spool file each time it is asked for (to choose the encoding, to write). */
    private static final class BodySource implements DataSource {
        private final SharedInputStream body;
        private final String type;

        BodySource(SharedInputStream body, String type) {
            this.body = body;
            this.type = type;
        }

        @Override
        public InputStream getInputStream() {
            return body.newStream(0, -1);
        }

        @Override
        public String getContentType() {
            return type;
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public String getName() {
            return "";
        }
    }

    /** Never adds or changes a Message-ID: conversion must not make the message look like a new one. */
    private static final class PreservingMessage extends MimeMessage {
        PreservingMessage(InputStream in) throws MessagingException {
            super(SESSION, in);
        }

        @Override
        protected void updateMessageID() {
        }
    }
}
