import Foundation
import Hummingbird
import Logging
import NIOCore

/// A JSON body with sorted keys, so responses are stable for scripts and diffs.
struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    var value: Value
    var status: HTTPResponse.Status = .ok

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HubError {
    static let logger = Logger(label: "smiley-hub")

    /// The HTTP answer to this error; the message names the problem. A storage failure's own text
    /// (SQLite's words, table names) stays in the hub's log under a reference the answer gives.
    var httpError: HTTPError {
        switch self {
        case .invalid: HTTPError(.badRequest, message: description)
        case .unauthorized: HTTPError(.unauthorized, message: description)
        case .unprocessable: HTTPError(.unprocessableContent, message: description)
        case .forbidden: HTTPError(.forbidden, message: description)
        case .conflict: HTTPError(.conflict, message: description)
        case .expired: HTTPError(.gone, message: description)
        case .tooLarge: HTTPError(.contentTooLarge, message: description)
        case .notFound: HTTPError(.notFound, message: description)
        case .storage(let detail): Self.storageFailure(detail)
        }
    }

    /// Logs a storage failure under a fresh reference and answers with the reference only.
    static func storageFailure(_ detail: String) -> HTTPError {
        let reference = String(UInt64.random(in: 0..<(1 << 40)), radix: 16)
        logger.error("storage failed", metadata: ["reference": "\(reference)", "detail": "\(detail)"])
        return HTTPError(
            .internalServerError,
            message:
                "the hub could not complete this request (error \(reference), details in the hub's log): retry later")
    }
}

/// A `HubError` thrown from a handler answers as its `httpError` does.
extension HubError: HTTPResponseError {
    public var status: HTTPResponse.Status { httpError.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try httpError.response(from: request, context: context)
    }
}
