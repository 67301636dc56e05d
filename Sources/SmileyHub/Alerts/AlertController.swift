import Foundation
import Hummingbird
import NIOCore
import SmileyCore

/// The centre page's alert forms: acknowledging an alert with a comment, retrying a delivery that failed, and
/// changing the centre's alert rules.
/// Only managers and administrators whose scope holds the centre, in a browser session with its CSRF token.
struct AlertController: Sendable {
    typealias Context = HubRequestContext
    let readers: Readers
    let clock: HubClock

    /// Managers and administrators signed in with a browser (the forms need the session's CSRF token).
    static func mayManageAlerts(_ identity: Identity?) -> Bool {
        guard let identity, identity.csrf != nil else { return false }
        return identity.role == .manager || identity.role == .administrator
    }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.post("centres/{centre}/alerts/{id}/acknowledge", use: acknowledge)
        router.post("centres/{centre}/alert-rules", use: setRules)
        router.post("centres/{centre}/deliveries/{id}/retry", use: retryDelivery)
    }

    /// The form's fields (URL-encoded), at most 16 KiB.
    static func form(_ request: Request) async throws -> [String: String] {
        guard request.headers[.contentType]?.hasPrefix("application/x-www-form-urlencoded") == true else {
            throw HTTPError(.unsupportedMediaType, message: "send the form as application/x-www-form-urlencoded")
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 16 * 1024) } catch {
            throw HTTPError(.contentTooLarge, message: "the form is larger than 16 KiB")
        }
        var components = URLComponents()
        components.percentEncodedQuery = String(buffer: body).replacingOccurrences(of: "+", with: "%20")
        var fields: [String: String] = [:]
        for item in components.queryItems ?? [] { fields[item.name] = item.value ?? "" }
        return fields
    }

    /// The centre (in the person's scope) and the person, after the role and CSRF checks.
    func authorise(_ request: Request, _ context: Context, fields: [String: String]) async throws -> (Centre, Identity)
    {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        let centre = try await readers.reader(for: context).centre(context.parameters.get("centre") ?? "")
        guard identity.role == .manager || identity.role == .administrator else {
            throw HTTPError(
                .forbidden,
                message: "only managers and administrators may acknowledge alerts, retry deliveries or change rules")
        }
        guard let expected = identity.csrf else {
            throw HTTPError(.forbidden, message: "sign in with a browser to do this; an API token cannot")
        }
        guard let sent = fields["csrf"], Secret.equal(sent, expected) else {
            throw HTTPError(
                .forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again")
        }
        return (centre, identity)
    }

    static func back(to centre: Centre, anchor: String) -> Response {
        Response(
            status: .seeOther,
            headers: [.location: "/centres/\(centre.id.rawValue)#\(anchor)", .cacheControl: "no-store"])
    }

    @Sendable func acknowledge(_ request: Request, context: Context) async throws -> Response {
        let fields = try await Self.form(request)
        let (centre, identity) = try await authorise(request, context, fields: fields)
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw HTTPError(.notFound, message: "no such alert")
        }
        do {
            try await readers.care.acknowledgeAlert(
                id: id, centre: centre.id, by: identity.name, comment: fields["comment"] ?? "",
                nowMillis: clock.nowMillis())
        } catch {
            throw Self.httpError(error)
        }
        return Self.back(to: centre, anchor: "alert-\(id)")
    }

    /// Sets a failed delivery of the centre's alerts pending again, as `smiley-hub alert retry` does; another
    /// centre's delivery is 404, one not failed 409.
    @Sendable func retryDelivery(_ request: Request, context: Context) async throws -> Response {
        let fields = try await Self.form(request)
        let (centre, identity) = try await authorise(request, context, fields: fields)
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw HTTPError(.notFound, message: "no such delivery")
        }
        do {
            try await readers.care.retryDelivery(
                id: id, centre: centre.id, by: identity.name, address: context.remoteAddress,
                nowMillis: clock.nowMillis())
        } catch {
            throw Self.httpError(error)
        }
        return Self.back(to: centre, anchor: "alerts")
    }

    @Sendable func setRules(_ request: Request, context: Context) async throws -> Response {
        let fields = try await Self.form(request)
        let (centre, identity) = try await authorise(request, context, fields: fields)
        let current = try await readers.care.alertRules(centre: centre.id)
        // Only what differs from the rules in force is stored, in the order of the settings list.
        let names = CentreAlertRules.settings.map(\.name) + CentreAlertRules.switches
        for name in fields.keys where name != "csrf" && !names.contains(name) {
            throw HTTPError(.badRequest, message: "unknown alert setting '\(name)'")
        }
        let changes = names.compactMap { name -> (name: String, value: String)? in
            guard let value = fields[name], value.trimmingCharacters(in: .whitespaces) != current.value(of: name)
            else { return nil }
            return (name, value)
        }
        if !changes.isEmpty {
            do {
                try await readers.care.setAlertRules(
                    changes, centre: centre.id, by: identity.name, nowMillis: clock.nowMillis())
            } catch {
                throw Self.httpError(error)
            }
        }
        return Self.back(to: centre, anchor: "alert-rules")
    }

    /// A refusal as the person should read it; storage failures stay in the log.
    static func httpError(_ error: HubError) -> HTTPError {
        switch error {
        case .invalid(let message), .unprocessable(let message): HTTPError(.badRequest, message: message)
        case .notFound(let message): HTTPError(.notFound, message: message)
        case .conflict(let message): HTTPError(.conflict, message: message)
        case .forbidden(let message): HTTPError(.forbidden, message: message)
        default: HTTPError(.internalServerError, message: "the change could not be stored")
        }
    }
}
