import Foundation
import Hummingbird
import NIOCore

/// Who a request comes from, once `IdentifyMiddleware` has checked its session cookie or API token.
public struct Identity: Sendable {
    public enum Credential: Sendable {
        /// A browser session; its forms must carry this CSRF token.
        case session(cookie: String, csrf: String)
        case apiToken
    }

    public let name: String
    public let role: Role
    /// The centres this person may read, resolved from their centres and groups for this request.
    public let scope: ReadScope
    public let credential: Credential

    var csrf: String? {
        if case .session(_, let csrf) = credential { return csrf }
        return nil
    }
}

/// The hub's request context: the identity (if any) and the peer's address.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var identity: Identity?
    /// The peer's IP address (nil in tests without a socket); the login throttle counts per address.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    public var requestDecoder: FormOrJSONDecoder { FormOrJSONDecoder() }
}

/// Forms arrive URL-encoded, scripts send JSON.
public struct FormOrJSONDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws
        -> T
    {
        if request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true {
            return try await URLEncodedFormDecoder().decode(type, from: request, context: context)
        }
        return try await JSONDecoder().decode(type, from: request, context: context)
    }
}
