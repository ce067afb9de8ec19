package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which Content-Type and Content-Disposition values give one parameter two readings. */
class MimeParametersTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "multipart/mixed; boundary=\"BB\"; boundary=\"XX\"",
        "attachment; filename=\"a.exe\"; FILENAME=\"a.txt\"",
        "attachment; filename*0=\"a.exe\"; filename*0=\"a.txt\"",
        "attachment; filename*0=\"a.txt\"; filename*0*=utf-8''a.txt",
        "attachment; filename*=utf-8''a.exe; filename=\"a.txt\"",
        "attachment; filename=\"a.txt\"; filename*=utf-8''a.exe",
        "attachment; filename*=utf-8''a.exe; filename*=utf-8''a.txt",
        "attachment; filename*=utf-8''a.exe; filename*0=\"a.txt\"",
        "attachment; filename=\"a.txt\"; filename*0=\"a.e\"; filename*1=\"xe\"",
        "attachment; filename*0=\"a.\"; filename*2=\"exe\"",
        "attachment; filename*1=\"exe\"",
        "text/plain; charset=us-ascii; format=flowed; CHARSET=utf-8",
        "application/octet-stream; name=\"=?utf-8?Q?a.txt?=\"; name*=utf-8''a.exe",
        "attachment; (comment) filename=\"a.txt\"; filename=\"a.exe\" (comment)",
    })
    void findsTwoReadings(String value) {
        assertThat(MimeParameters.ambiguity(value)).isNotNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "text/plain",
        "text/plain; charset=utf-8; format=flowed",
        "multipart/mixed; boundary=\"BB\"; boundary=BB",
        "attachment; filename=\"a.txt\"; filename=\"a.txt\"",
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf",
        "attachment; filename=\"=?utf-8?Q?r=C3=A9sum=C3=A9.pdf?=\"; filename*=utf-8'fr'r%C3%A9sum%C3%A9.pdf",
        "attachment; filename*0*=utf-8''in%76oice; filename*1=\".e\"; filename*2=\"xe\"",
        "attachment; filename=\"invoice.exe\"; filename*0*=utf-8''in%76oice; filename*1=\".exe\"",
        "attachment; name=\"a.txt\"; filename=\"b.txt\"",
        "attachment; filename*=\"unclosed",
    })
    void findsOneReading(String value) {
        assertThat(MimeParameters.ambiguity(value)).isNull();
    }
}
