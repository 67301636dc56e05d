import Foundation

/// Who may read `/metrics`. The figures name centres and devices, so they are never public by accident:
/// by default only a client on the hub's own machine may scrape, and only when no proxy forwarded it.
public enum MetricsAccess: Sendable, Equatable {
    /// Only a peer on a loopback address (127.0.0.0/8, ::1) whose request carries no `Forwarded` or
    /// `X-Forwarded-For` header: a reverse proxy on the same machine does not make the world local.
    case loopbackOnly
    /// Any address, with `Authorization: Bearer <token>`.
    case bearerToken(String)

    /// What `/metrics` answers a request.
    public enum Decision: Sendable, Equatable {
        case allow
        case refuse(status: Int, message: String)
    }

    /// The shortest token accepted from a token file.
    public static let minimumTokenLength = 16

    /// Reads the token from the first line of `path`; errors name the file and the fix.
    public static func tokenFile(_ path: String) throws(HubError) -> MetricsAccess {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalid(
                "cannot read the metrics token file \(path): check that it exists and that the hub may read it")
        }
        let token =
            String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        let trimmed = token.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= minimumTokenLength else {
            throw .invalid(
                "the metrics token in \(path) is \(trimmed.count) characters long: write at least \(minimumTokenLength) (for example: openssl rand -hex 24 > \(path))"
            )
        }
        guard trimmed.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw .invalid("the metrics token in \(path) holds spaces or non-ASCII characters: use letters and digits")
        }
        return .bearerToken(trimmed)
    }

    /// Decides from the peer's address and the request's headers alone (no I/O).
    public func decide(remoteAddress: String?, authorization: String?, forwarded: Bool) -> Decision {
        switch self {
        case .loopbackOnly:
            guard let remoteAddress, Self.isLoopback(remoteAddress), !forwarded else {
                return .refuse(
                    status: 403,
                    message:
                        "/metrics answers only the hub's own machine: scrape from there, or start the hub with --metrics-token-file"
                )
            }
            return .allow
        case .bearerToken(let token):
            guard let authorization, authorization.hasPrefix("Bearer "),
                Self.constantTimeEqual(Array(authorization.utf8.dropFirst(7)), Array(token.utf8))
            else {
                return .refuse(status: 401, message: "/metrics needs 'Authorization: Bearer <metrics token>'")
            }
            return .allow
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        let plain = address.hasPrefix("::ffff:") ? String(address.dropFirst(7)) : address
        if plain == "::1" { return true }
        let parts = plain.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
