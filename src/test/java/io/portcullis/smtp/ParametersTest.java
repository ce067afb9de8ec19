package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ParametersTest {

    @Test
    void interpretsMailParameters() throws SyntaxException {
        MailParameters parameters = MailParameters.from(EsmtpParameters.parse(
                "size=1000 BODY=8bitmime SMTPUTF8 RET=FULL ENVID=QQ+2B+3Dx"));
        assertThat(parameters).isEqualTo(new MailParameters(1000L, MailParameters.BodyType.EIGHT_BIT_MIME, true,
                MailParameters.DsnReturn.FULL, "QQ+=x"));
    }

    @Test
    void interpretsRecipientParameters() throws SyntaxException {
        RecipientParameters parameters = RecipientParameters.from(EsmtpParameters.parse(
                "NOTIFY=success,DELAY ORCPT=rfc822;Bob+40example.org"));
        assertThat(parameters.notifyOn()).isEqualTo(Set.of(RecipientParameters.Notify.SUCCESS, RecipientParameters.Notify.DELAY));
        assertThat(parameters.originalRecipient()).isEqualTo("rfc822;Bob@example.org");
    }

    @Test
    void tellsUnsupportedFromMalformed() {
        assertThatThrownBy(() -> MailParameters.from(EsmtpParameters.parse("XFOO=1")))
                .isInstanceOfSatisfying(SyntaxException.class, e -> assertThat(e.kind()).isEqualTo(SyntaxException.Kind.UNSUPPORTED));
        assertThatThrownBy(() -> MailParameters.from(EsmtpParameters.parse("SIZE=abc")))
                .isInstanceOfSatisfying(SyntaxException.class, e -> assertThat(e.kind()).isEqualTo(SyntaxException.Kind.SYNTAX));
        assertThatThrownBy(() -> EsmtpParameters.parse("-BAD=1")).isInstanceOf(SyntaxException.class);
        assertThatThrownBy(() -> EsmtpParameters.parse("A=b=c")).isInstanceOf(SyntaxException.class);
        assertThatThrownBy(() -> EsmtpParameters.parse(" SIZE=1")).hasMessageContaining("extra space");
        assertThatThrownBy(() -> MailParameters.from(EsmtpParameters.parse("ENVID=" + "x".repeat(101))))
                .hasMessageContaining("ENVID");
    }

    @Test
    void xtextRoundTrips() throws SyntaxException {
        String text = "a+b=c d;é";
        assertThat(Xtext.decode(Xtext.encode(text))).isEqualTo(text);
        assertThat(Xtext.encode("a+b")).isEqualTo("a+2Bb");
        assertThatThrownBy(() -> Xtext.decode("a+2b")).isInstanceOf(SyntaxException.class);
    }
}
