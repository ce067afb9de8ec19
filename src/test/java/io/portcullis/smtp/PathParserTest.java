package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathParserTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "FROM:<a@example.org>                      | a                | example.org",
        "from:<A.B+tag@Example.ORG>                | A.B+tag          | Example.ORG",
        "FROM:<\"john doe\"@example.org>           | \"john doe\"     | example.org",
        "FROM:<\"a\\\"b@c\"@example.org>           | \"a\\\"b@c\"     | example.org",
        "FROM:<@relay1.example,@relay2.example:a@example.org> | a     | example.org",
        "FROM:<a@[192.0.2.1]>                      | a                | [192.0.2.1]",
        "FROM:<a@[IPv6:2001:db8::1]>               | a                | [IPv6:2001:db8::1]",
        "FROM:<józef@bücher.example>               | józef            | bücher.example",
        "FROM:<a!b%c@example.org>                  | a!b%c            | example.org"})
    void parsesValidPaths(String argument, String localPart, String domain) throws SyntaxException {
        Mailbox mailbox = PathParser.parseMailFrom(argument.strip()).mailbox();
        assertThat(mailbox.localPart()).isEqualTo(localPart.strip());
        assertThat(mailbox.domain()).isEqualTo(domain.strip());
    }

    @Test
    void unquotesLocalPartsAndSplitsParameters() throws SyntaxException {
        PathParser.ParsedPath path = PathParser.parseRcptTo("TO:<\"a\\\"b@c\"@example.org> NOTIFY=NEVER");
        assertThat(path.mailbox().unquotedLocalPart()).isEqualTo("a\"b@c");
        assertThat(path.mailbox().canonicalDomain()).isEqualTo("example.org");
        assertThat(path.parameterText()).isEqualTo("NOTIFY=NEVER");
        assertThat(PathParser.parseMailFrom("FROM:<>").mailbox()).isNull();
        assertThat(PathParser.parseRcptTo("TO:<Postmaster>").mailbox()).isEqualTo(Mailbox.postmaster());
    }

    @ParameterizedTest
    @ValueSource(strings = {"FROM:a@example.org", "FROM: <a@example.org>", "FROM:<a@example.org", "FROM:<a@@example.org>",
        "FROM:<a..b@example.org>", "FROM:<.a@example.org>", "FROM:<a@example.org.>", "FROM:<a@-example.org>",
        "FROM:<a@example-.org>", "FROM:<a@exa_mple.org>", "FROM:<a b@example.org>", "FROM:<\"unterminated@example.org>",
        "FROM:<a@[1.2.3]>", "FROM:<a@[IPv6:zz::1]>", "FROM:<a@[tag:general]>", "FROM:<@relay:>",
        "FROM:<a@example.org>x", "FROM:<a@example.org> ", "TO:<a@example.org>",
        "FROM:<\"\"@example.org>", "FROM:<a\tb@example.org>"})
    void refusesInvalidPaths(String argument) {
        assertThatThrownBy(() -> PathParser.parseMailFrom(argument)).isInstanceOf(SyntaxException.class);
    }

    @Test
    void enforcesRfc5321LengthLimits() {
        String label = "a".repeat(63);
        assertThatThrownBy(() -> PathParser.parseMailFrom("FROM:<" + "x".repeat(65) + "@example.org>"))
                .hasMessageContaining("local part");
        assertThatThrownBy(() -> PathParser.parseMailFrom("FROM:<x@" + "b".repeat(64) + ".org>"))
                .hasMessageContaining("label");
        assertThatThrownBy(() -> PathParser.parseDomain(String.join(".", label, label, label, label, label)))
                .hasMessageContaining("domain longer");
        assertThatThrownBy(() -> PathParser.parseRcptTo("TO:<" + "x".repeat(64) + "@" + String.join(".", label, label, label, "b".repeat(60)) + ">"))
                .hasMessageContaining("path longer");
    }

    @Test
    void refusesEmptyForwardPath() {
        assertThatThrownBy(() -> PathParser.parseRcptTo("TO:<>")).hasMessageContaining("empty");
        assertThatThrownBy(() -> PathParser.parseRcptTo("TO:<\"postmaster\">")).isInstanceOf(SyntaxException.class);
    }
}
