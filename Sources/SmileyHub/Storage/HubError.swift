/// What went wrong at the hub, in words for the person or device that sent the request.
public enum HubError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case unauthorized(String)
    case unprocessable(String)
    case forbidden(String)
    case conflict(String)
    case expired(String)
    case tooLarge(String)
    case notFound(String)
    case storage(String)

    public var description: String {
        switch self {
        case .invalid(let message), .unauthorized(let message), .unprocessable(let message), .forbidden(let message),
            .conflict(let message), .expired(let message),
            .tooLarge(let message), .notFound(let message):
            message
        case .storage(let message): "storage failed: \(message)"
        }
    }
}
