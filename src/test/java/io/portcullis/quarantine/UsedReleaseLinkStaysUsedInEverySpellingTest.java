package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release link works once, whatever spelling of it comes back: base64 has other spellings of the
 * same 32 signature octets (a padding '=', other values of the last character's unused bits), and
 * a lenient decoder accepts them all; each was a token never spent, so a used link released again.
 * Only the spelling we signed is a link.
 */
class UsedReleaseLinkStaysUsedInEverySpellingTest {
    @TempDir
    Path data;

    @Test
    void otherSpellingsOfAUsedLinksSignatureAreRefused() throws Exception {
        ReleaseLinks links = new ReleaseLinks(data, new MutableClock());
        String token = links.sign("AAAAAAAAAAAA", "a@example.test", links.now().plus(Duration.ofDays(3)), true);
        String signature = token.substring(token.indexOf('.') + 1);
        String head = token.substring(0, token.length() - 1);
        char last = token.charAt(token.length() - 1);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int value = alphabet.indexOf(last);
        assertThat(signature).hasSize(43); // 256 bits: the last character carries 4 of them and 2 unused
        List<String> spellings = new java.util.ArrayList<>(List.of(token + "=", token + "=="));
        for (int unused = 1; unused < 4; unused++) {
            String other = head + alphabet.charAt((value & ~3) | unused);
            spellings.add(other);
            spellings.add(other + "=");
        }

        assertThat(links.spend(token).allowSender()).isTrue();
        assertThatThrownBy(() -> links.spend(token)).isInstanceOfSatisfying(ReleaseLinks.RefusedLink.class,
                e -> assertThat(e.refusal()).isEqualTo(ReleaseLinks.Refusal.USED));
        for (String spelling : spellings) {
            assertThatThrownBy(() -> links.spend(spelling)).as(spelling)
                    .isInstanceOfSatisfying(ReleaseLinks.RefusedLink.class,
                            e -> assertThat(e.refusal()).isIn(ReleaseLinks.Refusal.INVALID, ReleaseLinks.Refusal.USED));
        }
        // and an unspent link is good only as signed
        String fresh = links.sign("AAAAAAAAAAAA", "a@example.test", links.now().plus(Duration.ofDays(3)));
        assertThatThrownBy(() -> links.check(fresh + "=")).isInstanceOfSatisfying(ReleaseLinks.RefusedLink.class,
                e -> assertThat(e.refusal()).isEqualTo(ReleaseLinks.Refusal.INVALID));
        assertThat(links.spend(fresh).recipient()).isEqualTo("a@example.test");
    }
}
