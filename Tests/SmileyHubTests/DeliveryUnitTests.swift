import Foundation
import SmileyHub
import Testing

/// The delivery parts that are pure: the retry schedule, the webhook signature, the mail's bytes.
@Suite struct DeliveryUnitTests {
    @Test func retriesDoubleFromThirtySecondsUpToAnHourAndGiveUpAfterTwelve() {
        let backoff = DeliveryBackoff()
        let waits = (1...11).map { backoff.nextAttempt(afterAttempts: $0, nowMillis: 0)! / 1000 }
        #expect(waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600])
        #expect(backoff.nextAttempt(afterAttempts: 12, nowMillis: 0) == nil)
    }

    @Test func theSignatureIsHMACSHA256OfTimestampDotBody() {
        let secret = Array("0123456789abcdef-secret".utf8)
        let body = Array(#"{"a":1}"#.utf8)
        // python3: hmac.new(b'0123456789abcdef-secret', b'1764410400.{"a":1}', hashlib.sha256).hexdigest()
        let expected = "v1=10c4c3ca247d331ca676a71f68c130f601a56fb3888483ab70a147a83fc795d3"
        #expect(WebhookSignature.sign(body: body, timestamp: 1_764_410_400, secret: secret) == expected)
        #expect(
            WebhookSignature.verify(
                body: body, timestamp: 1_764_410_400, signature: expected, secret: secret, nowSeconds: 1_764_410_500))
        #expect(
            !WebhookSignature.verify(
                body: body + [32], timestamp: 1_764_410_400, signature: expected, secret: secret,
                nowSeconds: 1_764_410_500))
        // A replay ten minutes later is refused even with a good signature.
        #expect(
            !WebhookSignature.verify(
                body: body, timestamp: 1_764_410_400, signature: expected, secret: secret, nowSeconds: 1_764_411_001))
    }

    @Test func mailIsQuotedPrintableWithCRLFAndHTMLMakesItMultipartAlternative() {
        let message = MailMessage(
            from: "hub@example.bt", to: ["a@example.bt", "b@example.bt"], subject: "Paro: སྨོན་ལམ",
            text: "Line one\n.starts with a dot\nnaïve = yes ", html: "<p>Hi</p>")
        let rendered = message.rendered(dateMillis: 0, messageID: "m1@smiley-hub")
        #expect(rendered.contains("To: a@example.bt, b@example.bt\r\n"))
        #expect(rendered.contains("Subject: =?utf-8?B?"))
        #expect(rendered.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"))
        #expect(rendered.contains(#"Content-Type: multipart/alternative; boundary="smiley-m1""#))
        #expect(rendered.contains("Line one\r\n.starts with a dot\r\nna=C3=AFve =3D yes=20\r\n"))
        #expect(
            rendered.contains(
                "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>Hi</p>\r\n--smiley-m1--\r\n"
            ))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(
            SMTPClient.dotStuffed("a\r\n.b\r\n..c\r\n") == "a\r\n..b\r\n...c\r\n",
            "a line starting with a dot gets another")
        #expect(MailAddress.isValid("dorji@example.bt") && MailAddress.isValid("root@localhost"))
        #expect(!MailAddress.isValid("dorji") && !MailAddress.isValid("a b@c") && !MailAddress.isValid("<a@b>"))
    }
}
