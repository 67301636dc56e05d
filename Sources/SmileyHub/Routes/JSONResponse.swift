import Foundation
import Hummingbird
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
    /// The HTTP answer to this error; the message names the problem.
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
        case .storage: HTTPError(.internalServerError, message: description)
        }
    }
}

/// A `HubError` thrown from a handler answers as its `httpError` does.
extension HubError: HTTPResponseError {
    public var status: HTTPResponse.Status { httpError.status }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try httpError.response(from: request, context: context)
    }
}
