package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import java.util.EnumSet;
import java.util.Set;

/**
 * A milter asked at the SMTP stage each phase stands for: connect (before the banner), HELO,
 * MAIL, RCPT (its refusal refuses that recipient only) and the end of DATA (headers, body, end of
 * message). One milter connection per SMTP session, kept in the session's {@link MilterSession}
 * attachment: closed with SMFIC_QUIT when the session ends, told SMFIC_ABORT when a transaction
 * ends without a message. Not a {@link #isFilter() filter}: like Postfix's smtpd_milters it sees
 * every client, trusted or not; the milter decides.
 */
final class MilterPhaseCheck implements PhaseCheck {
    private final PhaseCheckConfig.Milter config;

    MilterPhaseCheck(PhaseCheckConfig.Milter config) {
        this.config = config;
    }

    @Override
    public Set<Phase> phases() {
        return EnumSet.allOf(Phase.class);
    }

    @Override
    public Verdict check(PhaseInput input) {
        return input.session().attachment(this, () -> new MilterSession(config)).at(input);
    }
}
