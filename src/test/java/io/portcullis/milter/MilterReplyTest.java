package io.portcullis.milter;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.smtp.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What of a milter's SMFIR_REPLYCODE text may become our SMTP reply. */
class MilterReplyTest {

    record Case(String text, String reply) {
        @Override
        public String toString() {
            return text.replace("\r", "\\r").replace("\n", "\\n");
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("550 5.7.1 Go away", "550 5.7.1 Go away"),
                new Case("554 5.7.9 Recipient refused", "554 5.7.9 Recipient refused"),
                new Case("451 4.3.0 Later", "451 4.3.0 Later"),
                new Case("451 5.7.1 Later", "451 4.7.1 Later"),             // class made to match the code
                new Case("550 4.2.2 Full", "550 5.2.2 Full"),
                new Case("550 2.0.0 Odd", "550 5.0.0 Odd"),
                new Case("550 No enhanced code", "550 5.7.1 No enhanced code"),
                new Case("421 4.7.0 Bye", "421 4.7.0 Bye"),
                new Case("550-5.7.1 first\r\n550 5.7.1 second", "550 5.7.1 first"),  // the first line only
                new Case("550 5.7.1 a\rRCPT TO:<x@y>", "550 5.7.1 a"),     // a bare CR ends the line too
                new Case("550 5.7.1 tab\there", "550 5.7.1 tab?here"),
                new Case("550 5.7.1 " + "x".repeat(500), "550 5.7.1 " + "x".repeat(200)),
                new Case("550 5.7.1 ", "550 5.7.1 Command rejected"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void becomesAValidReply(Case c) {
        Reply reply = MilterProtocol.reply(c.text());
        assertThat(reply).isNotNull();
        assertThat(reply.code() + " " + reply.enhancedCode() + " " + String.join("|", reply.lines())).isEqualTo(c.reply());
    }

    @Test
    void refusesWhatIsNoRefusal() {
        for (String text : List.of("250 2.0.0 OK", "354 go ahead", "650 6.0.0 no", "55 5.7.1 short", "", "hello",
                "5500 5.7.1 long", "\r\n550 5.7.1 after a line break")) {
            assertThat(MilterProtocol.reply(text)).as(text).isNull();
        }
    }
}
