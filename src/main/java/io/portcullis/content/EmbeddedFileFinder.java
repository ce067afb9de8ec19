package io.portcullis.content;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Files encoded inside text, which mail readers show as attachments although no MIME part says
 * so: uuencode ({@code begin MODE NAME} ... {@code end}, and {@code begin-base64}, as POSIX
 * uuencode writes them), yEnc ({@code =ybegin ... name=NAME}, the name running to the end of the
 * line) and BinHex 4.0 (RFC 1741: the line {@code (This file must be converted with BinHex 4.0)},
 * then {@code :} and the encoded data, whose header starts with the file name). Only the start of
 * each line is looked at and at most {@value #MAX_LINE} octets of a line are kept, so the cost is a
 * glance per line and the memory fixed. The text comes either as lines (a part without a transfer
 * encoding: {@link #line}) or as decoded octets in any pieces ({@link #write}).
 *
 * <p>A begin line too long to read whole is reported ({@link #overlong()}) rather than read in
 * part: a name cut short could hide its extension.
 */
final class EmbeddedFileFinder {
    static final int MAX_LINE = 998; // RFC 5322 §2.1.1
    private static final int MAX_BINHEX_HEADER_CHARS = 4096;
    private static final String BINHEX_MARKER = "(This file must be converted with BinHex";
    private static final String BINHEX_ALPHABET = "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";
    private static final int[] BINHEX_VALUES = new int[128];

    static {
        java.util.Arrays.fill(BINHEX_VALUES, -1);
        for (int i = 0; i < BINHEX_ALPHABET.length(); i++) {
            BINHEX_VALUES[BINHEX_ALPHABET.charAt(i)] = i;
        }
    }

    private enum BinHex { NONE, AWAITING_DATA, IN_HEADER }

    private final List<String> names = new ArrayList<>(2);
    private boolean overlong;

    // write(): the start of the current line
    private final byte[] line = new byte[MAX_LINE];
    private int length;
    private boolean lineCut;
    private boolean lineStarted;
    private boolean lineWanted;

    // BinHex: 6-bit groups, then run-length decoding (0x90 marks a run), into the header
    private BinHex binHex = BinHex.NONE;
    private int bits;
    private int bitCount;
    private int headerChars;
    private boolean runMarker;
    private int previous;
    private final byte[] header = new byte[256];
    private int headerLength;

    /** Forgets everything: a new text part starts. */
    void reset() {
        names.clear();
        overlong = false;
        length = 0;
        lineCut = false;
        lineStarted = false;
        binHex = BinHex.NONE;
    }

    /** True when a name was found, or a begin line too long to read, since the last {@link #clear()}. */
    boolean found() {
        return overlong || !names.isEmpty();
    }

    /** The file names found, in order. */
    List<String> names() {
        return names;
    }

    boolean overlong() {
        return overlong;
    }

    void clear() {
        names.clear();
        overlong = false;
    }

    /** Decoded text in any pieces. */
    void write(byte[] bytes, int count) {
        for (int i = 0; i < count; i++) {
            byte b = bytes[i];
            if (!lineStarted) {
                lineStarted = true;
                lineWanted = binHex != BinHex.NONE || b == 'b' || b == '=' || b == '(';
            }
            if (b == '\n') {
                endLine();
            } else if (!lineWanted) {
                continue; // nothing at this line's start: skip to its end
            } else if (length < line.length) {
                line[length++] = b;
            } else {
                lineCut = true;
            }
        }
    }

    /** The end of the text: a last line without a line end. */
    void end() {
        if (lineStarted) {
            endLine();
        }
        binHex = BinHex.NONE;
    }

    private void endLine() {
        if (lineWanted) {
            int n = !lineCut && length > 0 && line[length - 1] == '\r' ? length - 1 : length;
            line(line, n, !lineCut);
        }
        length = 0;
        lineCut = false;
        lineStarted = false;
    }

    /** One line without its line end, or the first piece of a longer one ({@code whole} false). */
    void line(byte[] bytes, int n, boolean whole) {
        if (binHex == BinHex.IN_HEADER) {
            binHexData(bytes, 0, n);
            return;
        }
        if (binHex == BinHex.AWAITING_DATA) {
            if (blank(bytes, n)) {
                return;
            }
            if (bytes[0] == ':') {
                startBinHexHeader();
                binHexData(bytes, 1, n);
                return;
            }
            binHex = BinHex.NONE; // no data after the marker: prose that quotes it
        }
        if (n < 6) {
            return;
        }
        switch (bytes[0]) {
            case 'b' -> uuencode(bytes, n, whole);
            case '=' -> yEnc(bytes, n, whole);
            case '(' -> {
                if (startsWith(bytes, n, BINHEX_MARKER, true)) {
                    binHex = BinHex.AWAITING_DATA;
                }
            }
            default -> {
                // an ordinary line
            }
        }
    }

    /** {@code begin MODE NAME} or {@code begin-base64 MODE NAME}, MODE octal. */
    private void uuencode(byte[] bytes, int n, boolean whole) {
        int i;
        if (startsWith(bytes, n, "begin-base64", false)) {
            i = 12;
        } else if (startsWith(bytes, n, "begin", false)) {
            i = 5;
        } else {
            return;
        }
        int spaces = skipBlanks(bytes, i, n);
        if (spaces == i) {
            return;
        }
        int digits = spaces;
        while (digits < n && digits - spaces < 7 && bytes[digits] >= '0' && bytes[digits] <= '7') {
            digits++;
        }
        if (digits == spaces || digits - spaces > 6) {
            return;
        }
        int name = skipBlanks(bytes, digits, n);
        if (name == digits || name == n) {
            return;
        }
        found(bytes, name, n, whole);
    }

    /** {@code =ybegin} with keywords; {@code name=} is the last and runs to the end of the line. */
    private void yEnc(byte[] bytes, int n, boolean whole) {
        if (!startsWith(bytes, n, "=ybegin", true) || n < 8 || (bytes[7] != ' ' && bytes[7] != '\t')) {
            return;
        }
        for (int i = 7; i + 5 < n; i++) {
            if ((bytes[i] == ' ' || bytes[i] == '\t') && startsWith(bytes, i + 1, n, "name=")) {
                if (i + 6 < n) {
                    found(bytes, i + 6, n, whole);
                }
                return;
            }
        }
        if (!whole) {
            overlong = true; // the name may be in what was cut off
        }
    }

    private void found(byte[] bytes, int from, int to, boolean whole) {
        if (!whole) {
            overlong = true;
            return;
        }
        names.add(new String(bytes, from, to - from, StandardCharsets.UTF_8).strip());
    }

    private void startBinHexHeader() {
        binHex = BinHex.IN_HEADER;
        bits = 0;
        bitCount = 0;
        headerChars = 0;
        runMarker = false;
        previous = 0;
        headerLength = 0;
    }

    /** The encoded data up to the file name in the header (a length octet, then the name). */
    private void binHexData(byte[] bytes, int from, int to) {
        for (int i = from; i < to && binHex == BinHex.IN_HEADER; i++) {
            int c = bytes[i] & 0xff;
            if (c == ' ' || c == '\t' || c == '\r') {
                continue;
            }
            int value = c < 128 ? BINHEX_VALUES[c] : -1;
            if (value < 0 || ++headerChars > MAX_BINHEX_HEADER_CHARS) {
                binHex = BinHex.NONE; // not BinHex after all: readers give up here too
                return;
            }
            bits = (bits << 6 | value) & 0xfff;
            bitCount += 6;
            if (bitCount >= 8) {
                bitCount -= 8;
                runLength(bits >> bitCount & 0xff);
            }
        }
    }

    private void runLength(int octet) {
        if (runMarker) {
            runMarker = false;
            if (octet == 0) {
                header(0x90);
            } else {
                for (int k = 1; k < octet && binHex == BinHex.IN_HEADER; k++) {
                    header(previous);
                }
            }
        } else if (octet == 0x90) {
            runMarker = true;
        } else {
            header(octet);
        }
    }

    private void header(int octet) {
        previous = octet;
        header[headerLength++] = (byte) octet;
        int nameLength = header[0] & 0xff;
        if (headerLength == 1 + nameLength) {
            binHex = BinHex.NONE;
            if (nameLength > 0) {
                names.add(new String(header, 1, nameLength, StandardCharsets.ISO_8859_1).strip());
            }
        }
    }

    private static boolean blank(byte[] bytes, int n) {
        return skipBlanks(bytes, 0, n) == n;
    }

    private static int skipBlanks(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && (bytes[i] == ' ' || bytes[i] == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean startsWith(byte[] bytes, int n, String prefix, boolean ignoreCase) {
        if (n < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            int a = bytes[i];
            int b = prefix.charAt(i);
            if (a != b && !(ignoreCase && Character.toLowerCase(a) == Character.toLowerCase(b))) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] bytes, int from, int n, String prefix) {
        if (n - from < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toLowerCase(bytes[from + i]) != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
