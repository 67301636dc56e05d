import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Where alert webhooks go, and the secret they are signed with (read from a file).
public struct WebhookConfiguration: Sendable {
    public var url: URL
    public var secret: [UInt8]
    public var timeout: Duration

    public init(url: URL, secret: [UInt8], timeout: Duration = .seconds(15)) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
    }

    /// Reads the secret from a file (surrounding white space dropped); at least 16 bytes.
    public static func load(url text: String, secretFile: String) throws(DeliveryConfigurationError)
        -> WebhookConfiguration
    {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
            url.host?.isEmpty == false
        else {
            throw DeliveryConfigurationError(message: "--alert-webhook-url '\(text)' is not an http:// or https:// URL")
        }
        let secret = try DeliveryConfigurationError.readSecret(secretFile, option: "--alert-webhook-secret-file")
        guard secret.utf8.count >= 16 else {
            throw DeliveryConfigurationError(
                message: "the webhook secret in \(secretFile) is \(secret.utf8.count) bytes; use at least 16")
        }
        return WebhookConfiguration(url: url, secret: Array(secret.utf8))
    }
}

/// A bad delivery setting, named with its option or file.
public struct DeliveryConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    /// A secret file's text without surrounding white space; a missing, unreadable or empty file is named.
    static func readSecret(_ path: String, option: String) throws(DeliveryConfigurationError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DeliveryConfigurationError(message: "\(option) \(path): cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw DeliveryConfigurationError(message: "\(option) \(path): the file is empty") }
        return text
    }
}

/// The webhook's signature (docs/alerts.md): HMAC-SHA256 with the shared secret over
/// "<timestamp>.<body>", where the timestamp is the `Smiley-Timestamp` header (seconds since 1970).
public enum WebhookSignature {
    public static let timestampHeader = "Smiley-Timestamp"
    public static let signatureHeader = "Smiley-Signature"
    public static let deliveryHeader = "Smiley-Delivery"

    /// `v1=` and the lower-case hex of the HMAC.
    public static func sign(body: [UInt8], timestamp: Int64, secret: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A receiver's check: the signature matches and the timestamp is within `toleranceSeconds` of now.
    public static func verify(
        body: [UInt8], timestamp: Int64, signature: String, secret: [UInt8], nowSeconds: Int64,
        toleranceSeconds: Int64 = 300
    ) -> Bool {
        guard abs(nowSeconds - timestamp) <= toleranceSeconds else { return false }
        let expected = Array(sign(body: body, timestamp: timestamp, secret: secret).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// What went wrong posting a webhook: the receiver's status (and the start of its reply) or the transport error.
public struct WebhookError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Posts signed JSON to the configured URL with AsyncHTTPClient.
public struct WebhookSender: Sendable {
    public let configuration: WebhookConfiguration
    let client: HTTPClient

    public init(configuration: WebhookConfiguration, client: HTTPClient = .shared) {
        self.configuration = configuration
        self.client = client
    }

    /// Posts `body`; any 2xx is delivered, anything else throws naming the status or the failure.
    public func post(body: [UInt8], deliveryID: Int64, nowMillis: Int64) async throws {
        let timestamp = nowMillis / 1000
        var request = HTTPClientRequest(url: configuration.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "smiley-hub")
        request.headers.add(name: WebhookSignature.timestampHeader, value: "\(timestamp)")
        request.headers.add(
            name: WebhookSignature.signatureHeader,
            value: WebhookSignature.sign(body: body, timestamp: timestamp, secret: configuration.secret))
        request.headers.add(name: WebhookSignature.deliveryHeader, value: "\(deliveryID)")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: TimeAmount(configuration.timeout))
        } catch {
            throw WebhookError(message: "POST \(configuration.url.absoluteString) failed: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let reply = (try? await response.body.collect(upTo: 512)).map { String(buffer: $0) } ?? ""
            throw WebhookError(
                message: "POST \(configuration.url.absoluteString) answered \(response.status.code)"
                    + (reply.isEmpty ? "" : ": \(reply.prefix(200))"))
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
    }
}
