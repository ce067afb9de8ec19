package io.portcullis.policy;

import io.portcullis.smtp.Mailbox;

/**
 * The Sendmail macros the milter phase check can send ({@code j}, {@code {daemon_name}},
 * {@code {client_addr}}, {@code {tls_version}}, {@code {mail_addr}}, {@code {rcpt_addr}}, {@code i},
 * ...), each from the session's facts; the milter's SETSYMLIST chooses which go at each stage.
 */
final class MilterMacros {
    private MilterMacros() {
    }

    /**
     * A macro's value from what the session knows now, or null: {@code input} is the phase's input,
     * {@code messageOpen} whether MAIL went to the milter, {@code recipient} the RCPT being asked.
     */
    static String value(String name, PhaseInput input, boolean messageOpen, Mailbox recipient) {
        ClientFacts.Connection connection = input.client().connection();
        String address = input.client().address().getHostAddress();
        return switch (name) {
            case "j", "{if_name}" -> connection == null ? null : connection.hostname();
            case "{daemon_name}" -> input.listener();
            case "{daemon_addr}", "{if_addr}" -> connection == null || connection.local() == null ? null
                    : connection.local().getAddress().getHostAddress();
            case "v" -> "Portcullis";
            case "_", "{client_name}" -> "[" + address + "]";
            case "{client_addr}" -> address;
            case "{client_port}" -> connection == null ? null : String.valueOf(connection.port());
            case "{tls_version}" -> connection == null ? null : connection.tlsProtocol();
            case "{cipher}" -> connection == null ? null : connection.tlsCipher();
            case "{auth_authen}" -> input.client().user() == null ? null : input.client().user().name();
            case "{mail_addr}" -> messageOpen ? (input.sender() == null ? "" : input.sender().toString()) : null;
            case "{rcpt_addr}" -> recipient == null ? null : recipient.toString();
            case "i" -> connection == null ? null : connection.queueId();
            default -> null;
        };
    }
}
