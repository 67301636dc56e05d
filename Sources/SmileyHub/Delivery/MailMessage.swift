import Foundation

/// An e-mail the hub sends: alert notifications now, and any other mail (the weekly report) through the same
/// `MailTransport`. Plain text always; with `html` it becomes multipart/alternative.
public struct MailMessage: Sendable, Hashable {
    public var from: String
    public var to: [String]
    public var subject: String
    public var text: String
    public var html: String?

    public init(from: String, to: [String], subject: String, text: String, html: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// The message in RFC 5322 form with CRLF line ends (before SMTP's dot-stuffing): UTF-8 bodies as
    /// quoted-printable, a non-ASCII subject as an RFC 2047 encoded word. `dateMillis` and `messageID` are
    /// given so the bytes are reproducible in tests.
    public func rendered(dateMillis: Int64, messageID: String) -> String {
        var lines = [
            "From: \(from)",
            "To: \(to.joined(separator: ", "))",
            "Subject: \(Self.encodedHeader(subject))",
            "Date: \(Self.rfc5322Date(millis: dateMillis))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
        ]
        if let html {
            let boundary = "smiley-\(messageID.prefix(while: { $0 != "@" }))"
            lines += [
                "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
                "",
                "--\(boundary)",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                Self.quotedPrintable(text),
                "--\(boundary)",
                "Content-Type: text/html; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                Self.quotedPrintable(html),
                "--\(boundary)--",
            ]
        } else {
            lines += [
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                Self.quotedPrintable(text),
            ]
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// A header value as is when it is printable ASCII, else as one RFC 2047 base64 encoded word per 45 bytes.
    static func encodedHeader(_ value: String) -> String {
        let clean = value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if clean.unicodeScalars.allSatisfy({ $0.value >= 32 && $0.value < 127 }) { return clean }
        var words: [String] = []
        var chunk = ""
        for character in clean {
            if (chunk + String(character)).utf8.count > 45 {
                words.append(chunk)
                chunk = ""
            }
            chunk.append(character)
        }
        if !chunk.isEmpty { words.append(chunk) }
        return words.map { "=?utf-8?B?\(Data($0.utf8).base64EncodedString())?=" }.joined(separator: "\r\n ")
    }

    /// Quoted-printable (RFC 2045 6.7) of UTF-8 text: line breaks become CRLF, lines at most 76 characters.
    static func quotedPrintable(_ text: String) -> String {
        let normalised = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalised.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var tokens: [String] = []
            let bytes = Array(line.utf8)
            for (index, byte) in bytes.enumerated() {
                let last = index == bytes.count - 1
                if (byte >= 33 && byte <= 126 && byte != UInt8(ascii: "=")) || ((byte == 32 || byte == 9) && !last) {
                    tokens.append(String(UnicodeScalar(byte)))
                } else {
                    tokens.append(String(format: "=%02X", byte))
                }
            }
            var out: [String] = []
            var current = ""
            for token in tokens {
                if current.count + token.count > 75 {
                    out.append(current + "=")
                    current = ""
                }
                current += token
            }
            out.append(current)
            return out.joined(separator: "\r\n")
        }.joined(separator: "\r\n")
    }

    static func rfc5322Date(millis: Int64) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: Date(timeIntervalSince1970: Double(millis) / 1000))
    }
}

/// Sends mail. The hub's SMTP client is one; tests and other senders may bring their own.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// The checks an address passes before the hub stores it or hands it to SMTP.
public enum MailAddress {
    /// `local@domain`: printable ASCII without spaces, angle brackets, commas or quotes; one '@'; a dot-free
    /// domain is allowed (`localhost`).
    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= 254 else { return false }
        return address.unicodeScalars.allSatisfy { scalar in
            scalar.value > 32 && scalar.value < 127 && !"<>,;:\"()[]\\ ".unicodeScalars.contains(scalar)
        }
    }
}
