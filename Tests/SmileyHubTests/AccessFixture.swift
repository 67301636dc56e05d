import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SmileyCore
import SmileyHub
import Synchronization
import Testing

extension AccessSettings {
    /// The cheapest bcrypt cost, so that tests sign in quickly.
    static let testing = AccessSettings(bcryptCost: 4)
}

extension HubDatabase {
    /// An administrator (added if missing) and a new API token of theirs, as a ministry's script would use.
    func administratorToken(nowMillis: Int64 = 0) throws -> String {
        if try !people().contains(where: { $0.name == "script-admin" }) {
            try addPerson(
                "script-admin", role: .administrator, grants: [], passwordHash: nil, by: "test", nowMillis: nowMillis)
        }
        return try createAPIToken(
            for: "script-admin", name: "tests", expiresMillis: nil, by: "test", nowMillis: nowMillis
        ).token
    }
}

/// A hub clock the test moves.
final class MovableClock: Sendable {
    private let millis: Mutex<Int64>

    init(_ millis: Int64) { self.millis = Mutex(millis) }

    var now: Int64 { millis.withLock { $0 } }
    func advance(minutes: Int64) { millis.withLock { $0 += minutes * 60_000 } }
    var clock: HubClock { HubClock { self.now } }
}

/// Every log line, for checking that secrets never reach the logs.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }
    func append(_ line: String) { lines.withLock { $0.append(line) } }

    var logger: Logger {
        Logger(label: "test-hub") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(merged)")
        }
    }
}

/// A response as tests read it.
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let body: String
    let headers: HTTPFields

    /// The value a `Set-Cookie` header gives the named cookie, and the whole header.
    func cookie(_ name: String) -> (value: String, header: String)? {
        for header in headers[values: .setCookie] where header.hasPrefix(name + "=") {
            let value = header.dropFirst(name.count + 1).prefix { $0 != ";" }
            return (String(value), header)
        }
        return nil
    }

    /// The value of the first hidden `csrf` field on the page.
    var csrfField: String? {
        guard let range = body.range(of: #"name="csrf" value=""#) else { return nil }
        return String(body[range.upperBound...].prefix { $0 != "\"" })
    }
}

func formBody(_ fields: [(String, String)]) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return ByteBuffer(
        string: fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(
            separator: "&"))
}

extension TestClientProtocol {
    func send(
        _ method: HTTPRequest.Method, _ uri: String, cookie: String? = nil, bearer: String? = nil,
        form: [(String, String)]? = nil, formCookie: String? = nil, secondStep: String? = nil
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        let cookies = [
            cookie.map { "smiley_session=\($0)" }, formCookie.map { "smiley_form=\($0)" },
            secondStep.map { "smiley_second_step=\($0)" },
        ].compactMap { $0 }
        if !cookies.isEmpty { headers[.cookie] = cookies.joined(separator: "; ") }
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        return try await execute(uri: uri, method: method, headers: headers, body: form.map(formBody)) { response in
            Reply(status: response.status, body: String(buffer: response.body), headers: response.headers)
        }
    }

    /// Signs in through the form as a browser would; returns the session cookie (nil when refused) and the reply.
    func signIn(_ name: String, _ password: String, code: String? = nil) async throws -> (cookie: String?, reply: Reply)
    {
        let page = try await send(.get, "/login")
        let token = try #require(page.cookie("smiley_form")?.value)
        #expect(page.csrfField == token)
        var fields = [("username", name), ("password", password), ("csrf", token)]
        if let code { fields.append(("code", code)) }
        let reply = try await send(.post, "/login", form: fields, formCookie: token)
        return (reply.cookie("smiley_session")?.value, reply)
    }
}
