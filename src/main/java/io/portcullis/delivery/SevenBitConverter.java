package io.portcullis.delivery;

import jakarta.activation.DataHandler;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimePart;
import jakarta.mail.util.ByteArrayDataSource;
import io.portcullis.spool.StoredMessage;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
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

    /** The 7-bit form of the message, or null when its headers are 8-bit and it cannot be converted. */
    static byte[] convert(StoredMessage stored) throws IOException {
        try (InputStream in = stored.open()) {
            MimeMessage message = new PreservingMessage(in);
            boolean hadDate = message.getHeader("Date") != null;
            convertPart(message);
            message.saveChanges();
            if (!hadDate) {
                message.removeHeader("Date"); // saveChanges adds one; the message must say what it said
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(stored.length() * 2, 1 << 30));
            message.writeTo(out);
            byte[] converted = out.toByteArray();
            for (byte b : converted) {
                if (b < 0) {
                    return null;
                }
            }
            return converted;
        } catch (MessagingException e) {
            throw new IOException("cannot convert to 7 bit: " + e.getMessage(), e);
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
            byte[] body;
            try (InputStream in = part.getInputStream()) {
                body = in.readAllBytes();
            }
            mime.removeHeader("Content-Transfer-Encoding");
            part.setDataHandler(new DataHandler(new ByteArrayDataSource(body, part.getContentType())));
        }
    }

    /** 7bit, 8bit and binary leave the octets as they are; only such bodies can hold raw 8-bit data. */
    private static boolean isIdentityEncoding(String encoding) {
        return encoding == null || encoding.equalsIgnoreCase("8bit") || encoding.equalsIgnoreCase("binary")
                || encoding.equalsIgnoreCase("7bit");
    }

    private static boolean hasEightBitBody(MimePart part) throws MessagingException, IOException {
        InputStream raw = part instanceof MimeMessage message ? message.getRawInputStream()
                : ((jakarta.mail.internet.MimeBodyPart) part).getRawInputStream();
        try (InputStream in = new BufferedInputStream(raw)) {
            for (int b = in.read(); b >= 0; b = in.read()) {
                if (b >= 128) {
                    return true;
                }
            }
        }
        return false;
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
