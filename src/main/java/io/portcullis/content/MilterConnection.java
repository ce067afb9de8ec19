package io.portcullis.content;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The milter wire format (Sendmail's libmilter, protocol version 6): every packet is a 4-octet
 * length, a command octet and its data; strings are NUL-terminated. Constants keep libmilter's
 * names (mfdef.h) so they can be looked up.
 */
final class MilterConnection implements AutoCloseable {
    static final int VERSION = 6;

    // actions the MTA lets the milter take (SMFIF_*)
    static final int SMFIF_ADDHDRS = 0x01;
    static final int SMFIF_CHGBODY = 0x02;
    static final int SMFIF_ADDRCPT = 0x04;
    static final int SMFIF_DELRCPT = 0x08;
    static final int SMFIF_CHGHDRS = 0x10;
    static final int SMFIF_QUARANTINE = 0x20;
    static final int SMFIF_CHGFROM = 0x40;
    static final int SMFIF_ADDRCPT_PAR = 0x80;
    static final int SMFIF_SETSYMLIST = 0x100;
    static final int ALL_ACTIONS = 0x1FF;

    // protocol steps the milter may skip, or not answer (SMFIP_*)
    static final int SMFIP_NOCONNECT = 0x1;
    static final int SMFIP_NOHELO = 0x2;
    static final int SMFIP_NOMAIL = 0x4;
    static final int SMFIP_NORCPT = 0x8;
    static final int SMFIP_NOBODY = 0x10;
    static final int SMFIP_NOHDRS = 0x20;
    static final int SMFIP_NOEOH = 0x40;
    static final int SMFIP_NR_HDR = 0x80;
    static final int SMFIP_NOUNKNOWN = 0x100;
    static final int SMFIP_NODATA = 0x200;
    static final int SMFIP_SKIP = 0x400;
    static final int SMFIP_RCPT_REJ = 0x800;
    static final int SMFIP_NR_CONN = 0x1000;
    static final int SMFIP_NR_HELO = 0x2000;
    static final int SMFIP_NR_MAIL = 0x4000;
    static final int SMFIP_NR_RCPT = 0x8000;
    static final int SMFIP_NR_DATA = 0x10000;
    static final int SMFIP_NR_UNKN = 0x20000;
    static final int SMFIP_NR_EOH = 0x40000;
    static final int SMFIP_NR_BODY = 0x80000;
    static final int SMFIP_HDR_LEADSPC = 0x100000;
    /** Every step we can leave out or run without a reply; RCPT_REJ is offered too (we have no rejected RCPTs to send). */
    static final int ALL_PROTOCOL = 0x1FFFFF;

    static final int MAX_PACKET = 64 * 1024 * 1024;
    static final int MAX_BODY_CHUNK = 65535;

    /** One packet from the milter. */
    record Packet(char command, byte[] data) {
        /** The NUL-terminated strings of the data. */
        List<byte[]> strings(int offset) {
            List<byte[]> strings = new ArrayList<>();
            int start = offset;
            for (int i = offset; i < data.length; i++) {
                if (data[i] == 0) {
                    strings.add(java.util.Arrays.copyOfRange(data, start, i));
                    start = i + 1;
                }
            }
            if (start < data.length) {
                strings.add(java.util.Arrays.copyOfRange(data, start, data.length));
            }
            return strings;
        }

        String string(int index) {
            List<byte[]> strings = strings(0);
            return index < strings.size() ? new String(strings.get(index), StandardCharsets.UTF_8) : "";
        }

        int intAt(int offset) {
            return ((data[offset] & 0xff) << 24) | ((data[offset + 1] & 0xff) << 16) | ((data[offset + 2] & 0xff) << 8)
                    | (data[offset + 3] & 0xff);
        }
    }

    private final ScannerConnection connection;
    private final DataOutputStream out;
    private final DataInputStream in;

    MilterConnection(ScannerConnection connection) {
        this.connection = connection;
        this.out = new DataOutputStream(connection.out());
        this.in = new DataInputStream(connection.in());
    }

    void send(char command, byte[] data) throws IOException {
        out.writeInt(data.length + 1);
        out.writeByte(command);
        out.write(data);
    }

    void flush() throws IOException {
        out.flush();
    }

    Packet read() throws IOException {
        out.flush();
        int length = in.readInt();
        if (length < 1 || length > MAX_PACKET) {
            throw new IOException("milter sent a packet of " + length + " octets");
        }
        char command = (char) in.readUnsignedByte();
        byte[] data = in.readNBytes(length - 1);
        if (data.length != length - 1) {
            throw new IOException("milter closed the connection mid-packet");
        }
        return new Packet(command, data);
    }

    /** NUL-terminated strings, concatenated. */
    static byte[] strings(Object... values) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (Object value : values) {
            data.writeBytes(value instanceof byte[] bytes ? bytes : String.valueOf(value).getBytes(StandardCharsets.UTF_8));
            data.write(0);
        }
        return data.toByteArray();
    }

    static byte[] ints(int... values) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (int value : values) {
            data.write(value >>> 24);
            data.write(value >>> 16);
            data.write(value >>> 8);
            data.write(value);
        }
        return data.toByteArray();
    }

    @Override
    public void close() throws IOException {
        connection.close();
    }
}
