import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is, from `postgres://user@host[:port]/database` or, over a Unix socket,
/// `postgres://user@/database?host=/path/to/socket-directory`. A password never travels in the URL
/// (it would sit in the process list and the shell's history): it comes from a file or PGPASSWORD.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public enum Endpoint: Sendable, Equatable {
        case tcp(host: String, port: Int)
        /// The directory holding the server's socket `.s.PGSQL.<port>`, as libpq's `host=/dir`.
        case socketDirectory(String, port: Int)
    }

    public var user: String
    public var database: String
    public var endpoint: Endpoint

    public init(user: String, database: String, endpoint: Endpoint) {
        self.user = user
        self.database = database
        self.endpoint = endpoint
    }

    /// Reads a `postgres://` URL; the error names what is wrong with it.
    public static func parse(_ text: String) throws(HubError) -> PostgresLocation {
        func refuse(_ problem: String) -> HubError {
            .invalid(
                "database URL '\(redacted(text))': \(problem) (expected postgres://USER@HOST[:PORT]/DATABASE "
                    + "or postgres://USER@/DATABASE?host=/SOCKET/DIRECTORY)")
        }
        guard let components = URLComponents(string: text) else { throw refuse("not a URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw refuse("the scheme must be postgres://")
        }
        guard components.password == nil else {
            throw .invalid(
                "the database URL carries a password: give it with --database-password-file FILE or the "
                    + "PGPASSWORD environment variable instead, never on the command line")
        }
        guard let user = components.user, !user.isEmpty else { throw refuse("no user name before '@'") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw refuse("no database name after the '/'") }
        var socketDirectory: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "host":
                guard let value = item.value, value.hasPrefix("/") else {
                    throw refuse("?host= must be an absolute socket directory")
                }
                socketDirectory = value
            default:
                throw refuse("unknown parameter '\(item.name)'")
            }
        }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw refuse("port \(port) is out of range") }
        let host = components.host ?? ""
        switch (host.isEmpty, socketDirectory) {
        case (true, let directory?):
            return PostgresLocation(user: user, database: database, endpoint: .socketDirectory(directory, port: port))
        case (false, nil):
            return PostgresLocation(user: user, database: database, endpoint: .tcp(host: host, port: port))
        case (true, nil):
            throw refuse("no host: name one after '@', or a socket directory with ?host=")
        case (false, _?):
            throw refuse("both a host and ?host= given: keep one")
        }
    }

    /// The URL as given, with anything after a ':' in its user part hidden, for error messages.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    public var description: String {
        switch endpoint {
        case .tcp(let host, let port): "postgres://\(user)@\(host):\(port)/\(database)"
        case .socketDirectory(let directory, let port):
            "postgres://\(user)@/\(database)?host=\(directory)" + (port == 5432 ? "" : " (port \(port))")
        }
    }

    /// The client's configuration: TLS is preferred over TCP, never used on a local socket.
    public func clientConfiguration(password: String?) -> PostgresClient.Configuration {
        switch endpoint {
        case .tcp(let host, let port):
            return PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database,
                tls: .prefer(.makeClientConfiguration()))
        case .socketDirectory(let directory, let port):
            var configuration = PostgresClient.Configuration(
                unixSocketPath: directory + "/.s.PGSQL.\(port)", username: user, password: password,
                database: database)
            configuration.tls = .disable
            return configuration
        }
    }

    /// The password from `file` (its first line) or else PGPASSWORD; nil when neither is set.
    public static func password(file: String?, environment: [String: String]) throws(HubError) -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw .invalid("--database-password-file \(file): cannot read the file")
            }
            let line =
                String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .first.map(String.init) ?? ""
            guard !line.isEmpty else { throw .invalid("--database-password-file \(file): the file is empty") }
            return line
        }
        return environment["PGPASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension PostgresPressStore {
    /// Runs `body` with a store on `location`, its pool running for as long as `body` does (commands
    /// such as `smiley-hub migrate`; a serving hub runs the pool as a `Service` instead).
    public static func with<T: Sendable>(
        _ location: PostgresLocation, password: String?, logger: Logger,
        _ body: (PostgresPressStore) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: location.clientConfiguration(password: password))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(PostgresPressStore(client: client, logger: logger))
        }
    }
}
