import Hummingbird
import SmileyCore

extension Role {
    /// Managers and administrators record actions for the centres they may see; viewers only read.
    public var mayRecordActions: Bool { self != .viewer }
}

/// Recording and removing actions from the centre page: a browser session, its CSRF token, and a centre
/// in the person's scope.
extension DashboardController {
    struct ActionFormInput: Decodable {
        var date: String?
        var text: String?
        var hours: String?
        var csrf: String?
    }

    struct RemoveActionInput: Decodable {
        var csrf: String?
    }

    /// The centre (in scope) and the person, once role and CSRF token are checked.
    func managedCentre(_ context: Context, csrf: String?) async throws -> (Centre, Identity) {
        guard let identity = context.identity else { throw HTTPError(.unauthorized) }
        let centre = try await readers.reader(for: context).centre(context.parameters.get("centre") ?? "")
        guard identity.role.mayRecordActions else {
            throw HTTPError(.forbidden, message: "viewers cannot record actions; ask a manager of \(centre.name)")
        }
        guard let expected = identity.csrf else {
            throw HTTPError(
                .forbidden, message: "record actions from the centre page in a browser; an API token cannot")
        }
        guard let csrf, Secret.equal(csrf, expected) else {
            throw HTTPError(
                .forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again")
        }
        return (centre, identity)
    }

    @Sendable func addAction(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decode(as: ActionFormInput.self, context: context)
        let (centre, identity) = try await managedCentre(context, csrf: form.csrf)
        let date: LocalDate
        do { date = try LocalDate.parse(form.date ?? "") } catch {
            throw HTTPError(.badRequest, message: "the action's date: \(error.description)")
        }
        try await readers.care.addAction(
            centre: centre.id, date: date, text: form.text ?? "", target: form.hours, by: identity.name,
            address: context.remoteAddress, nowMillis: readers.clock.nowMillis())
        return Response(
            status: .seeOther, headers: [.location: "/centres/\(centre.id)#actions", .cacheControl: "no-store"])
    }

    @Sendable func removeAction(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decode(as: RemoveActionInput.self, context: context)
        let (centre, identity) = try await managedCentre(context, csrf: form.csrf)
        guard let id = context.parameters.get("id", as: Int64.self) else {
            throw HTTPError(.notFound, message: "no such action")
        }
        try await readers.care.removeAction(
            id, centre: centre.id, by: identity.name, address: context.remoteAddress,
            nowMillis: readers.clock.nowMillis())
        return Response(
            status: .seeOther, headers: [.location: "/centres/\(centre.id)#actions", .cacheControl: "no-store"])
    }
}
