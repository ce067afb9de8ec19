package io.portcullis.milter;

import io.portcullis.smtp.Reply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The milter protocol's constants (libmilter's names from mfdef.h, so they can be looked up),
 * option negotiation, macros and the milter's own SMTP replies.
 */
public final class MilterProtocol {
    public static final int VERSION = 6;

    // actions the MTA lets the milter take (SMFIF_*)
    public static final int SMFIF_ADDHDRS = 0x01;
    public static final int SMFIF_CHGBODY = 0x02;
    public static final int SMFIF_ADDRCPT = 0x04;
    public static final int SMFIF_DELRCPT = 0x08;
    public static final int SMFIF_CHGHDRS = 0x10;
    public static final int SMFIF_QUARANTINE = 0x20;
    public static final int SMFIF_CHGFROM = 0x40;
    public static final int SMFIF_ADDRCPT_PAR = 0x80;
    public static final int SMFIF_SETSYMLIST = 0x100;
    public static final int ALL_ACTIONS = 0x1FF;

    // protocol steps the milter may skip, or not answer (SMFIP_*)
    public static final int SMFIP_NOCONNECT = 0x1;
    public static final int SMFIP_NOHELO = 0x2;
    public static final int SMFIP_NOMAIL = 0x4;
    public static final int SMFIP_NORCPT = 0x8;
    public static final int SMFIP_NOBODY = 0x10;
    public static final int SMFIP_NOHDRS = 0x20;
    public static final int SMFIP_NOEOH = 0x40;
    public static final int SMFIP_NR_HDR = 0x80;
    public static final int SMFIP_NOUNKNOWN = 0x100;
    public static final int SMFIP_NODATA = 0x200;
    public static final int SMFIP_SKIP = 0x400;
    public static final int SMFIP_RCPT_REJ = 0x800;
    public static final int SMFIP_NR_CONN = 0x1000;
    public static final int SMFIP_NR_HELO = 0x2000;
    public static final int SMFIP_NR_MAIL = 0x4000;
    public static final int SMFIP_NR_RCPT = 0x8000;
    public static final int SMFIP_NR_DATA = 0x10000;
    public static final int SMFIP_NR_UNKN = 0x20000;
    public static final int SMFIP_NR_EOH = 0x40000;
    public static final int SMFIP_NR_BODY = 0x80000;
    public static final int SMFIP_HDR_LEADSPC = 0x100000;
    /** Every step we can leave out or run without a reply; RCPT_REJ is offered too (we have no rejected RCPTs to send). */
    public static final int ALL_PROTOCOL = 0x1FFFFF;

    /** libmilter's MILTER_CHUNK_SIZE: the largest body chunk we send. */
    public static final int MAX_BODY_CHUNK = 65535;

    /** The stages a milter may ask macros for (SMFIM_*), as the command codes of their macro packets. */
    private static final char[] MACRO_STAGES = {'C', 'H', 'M', 'R', 'T', 'E', 'N'};

    private static final Pattern REPLY = Pattern.compile("([45])(\\d\\d)[ -](?:([245])\\.(\\d{1,3}\\.\\d{1,3}) )?(.*)",
            Pattern.DOTALL);

    private MilterProtocol() {
    }

    /**
     * What option negotiation settled: the milter's version, the actions it may take and the
     * protocol steps it changed (both within what we offered), and the macros it asked for per
     * stage (SETSYMLIST; a stage absent from the map gets our default list).
     */
    public record Negotiated(int version, int actions, int protocol, Map<Character, List<String>> macroLists) {
        public boolean has(int protocolFlag) {
            return (protocol & protocolFlag) != 0;
        }
    }

    /** Sends SMFIC_OPTNEG with what we offer and reads the milter's answer. */
    public static Negotiated negotiate(MilterConnection milter, int actions, int protocol) throws IOException {
        milter.send('O', MilterConnection.ints(VERSION, actions, protocol));
        MilterConnection.Packet answer = milter.read();
        if (answer.command() != 'O' || answer.data().length < 12) {
            throw new IOException("milter answered option negotiation with '" + printable(String.valueOf(answer.command())) + "'");
        }
        if (answer.intAt(0) < 2) {
            throw new IOException("milter speaks protocol version " + answer.intAt(0));
        }
        int granted = answer.intAt(4) & actions;
        Map<Character, List<String>> lists = new HashMap<>();
        byte[] data = answer.data();
        int offset = 12;
        while ((granted & SMFIF_SETSYMLIST) != 0 && offset + 4 < data.length) {
            int stage = new MilterConnection.Packet('O', data).intAt(offset);
            int end = offset + 4;
            while (end < data.length && data[end] != 0) {
                end++;
            }
            String names = new String(data, offset + 4, end - offset - 4, StandardCharsets.US_ASCII);
            if (stage >= 0 && stage < MACRO_STAGES.length) {
                List<String> list = new ArrayList<>();
                for (String name : names.trim().split("[\\s,]+")) {
                    if (!name.isEmpty() && list.size() < 64) {
                        list.add(macroName(name));
                    }
                }
                lists.put(MACRO_STAGES[stage], List.copyOf(list));
            }
            offset = end + 1;
        }
        return new Negotiated(answer.intAt(0), granted, answer.intAt(8) & protocol, Map.copyOf(lists));
    }

    /** A macro name as sent: one character bare ({@code j}, {@code _}, {@code i}), longer ones in braces. */
    public static String macroName(String name) {
        String bare = name.startsWith("{") && name.endsWith("}") && name.length() > 2 ? name.substring(1, name.length() - 1) : name;
        return bare.length() == 1 ? bare : "{" + bare + "}";
    }

    /**
     * Sends the macros of one stage (SMFIC_MACRO): the names the milter asked for with SETSYMLIST,
     * or else {@code defaults}; each with its value from {@code values} (by {@link #macroName}),
     * left out when it has none. Nothing is sent when no macro has a value.
     */
    public static void macros(MilterConnection milter, char stage, Negotiated negotiated, List<String> defaults,
                              Function<String, String> values) throws IOException {
        List<String> names = negotiated.macroLists().getOrDefault(stage, defaults);
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(stage);
        int pairs = 0;
        for (String name : names) {
            String value = values.apply(macroName(name));
            if (value != null) {
                packet.writeBytes(MilterConnection.strings(macroName(name), value));
                pairs++;
            }
        }
        if (pairs > 0) {
            milter.send('D', packet.toByteArray());
        }
    }

    /**
     * A header field's value as libmilter expects it: after the colon, the leading space removed
     * unless the milter asked for it (SMFIP_HDR_LEADSPC), folded with LF instead of CRLF.
     *
     * @param raw        the whole field as received, with or without its final CRLF
     * @param nameLength octets of the field name (the colon follows)
     */
    public static byte[] headerValue(byte[] raw, int nameLength, boolean leadingSpace) {
        int start = nameLength + 1;
        if (!leadingSpace && start < raw.length && (raw[start] == ' ' || raw[start] == '\t')) {
            start++;
        }
        int end = raw.length;
        if (end >= 2 && raw[end - 2] == '\r' && raw[end - 1] == '\n') {
            end -= 2;
        }
        ByteArrayOutputStream value = new ByteArrayOutputStream(Math.max(0, end - start));
        for (int i = start; i < end; i++) {
            if (raw[i] != '\r') {
                value.write(raw[i]);
            }
        }
        return value.toByteArray();
    }

    /**
     * A milter's SMFIR_REPLYCODE text as an SMTP reply, or null when it is none: its first line
     * only (a multi-line reply's continuation lines are dropped, never passed on), a 4xx or 5xx
     * code, an enhanced status code whose class is made to match the code (RFC 3463: a 451 with
     * 5.7.1 becomes 4.7.1), and text reduced to printable ASCII. Without an enhanced code,
     * 5.7.1 or 4.7.1 is supplied.
     */
    public static Reply reply(String text) {
        String firstLine = text.lines().findFirst().orElse("");
        Matcher m = REPLY.matcher(firstLine);
        if (!m.matches()) {
            return null;
        }
        int code = Integer.parseInt(m.group(1) + m.group(2));
        String enhanced = m.group(3) == null ? m.group(1) + ".7.1" : m.group(1) + "." + m.group(4);
        String detail = printable(m.group(5).strip());
        return new Reply(code, enhanced, detail.isEmpty() ? (code >= 500 ? "Command rejected" : "Try again later") : detail);
    }

    /** At most 200 characters of printable ASCII: what of a milter's text may reach a log or a reply. */
    public static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> out.append(c >= 32 && c < 127 ? (char) c : '?'));
        return out.toString();
    }

    /** The name of a reply or action code for logs: "REJECT", "ADDHEADER", ... */
    public static String describe(char command) {
        return switch (command) {
            case 'a' -> "ACCEPT";
            case 'c' -> "CONTINUE";
            case 'd' -> "DISCARD";
            case 'r' -> "REJECT";
            case 't' -> "TEMPFAIL";
            case 'y' -> "REPLYCODE";
            case 'p' -> "PROGRESS";
            case 's' -> "SKIP";
            case 'q' -> "QUARANTINE";
            case 'h' -> "ADDHEADER";
            case 'i' -> "INSHEADER";
            case 'm' -> "CHGHEADER";
            case 'b' -> "REPLBODY";
            case 'e' -> "CHGFROM";
            case '+' -> "ADDRCPT";
            case '2' -> "ADDRCPT_PAR";
            case '-' -> "DELRCPT";
            default -> "0x" + Integer.toHexString(command).toUpperCase(Locale.ROOT);
        };
    }
}
