import Foundation
import Hummingbird
import Mustache
import NIOCore

/// Signing in and out, and setting a password through a one-time link. The sign-in and set-password forms
/// carry a signed double-submit token (there is no session yet); sign-out carries the session's token.
struct LoginController: Sendable {
    typealias Context = HubRequestContext
    let access: Access
    let templates: MustacheLibrary

    struct LoginForm: Decodable {
        var username: String?
        var password: String?
        var code: String?
        var csrf: String?
    }

    struct SetPasswordForm: Decodable {
        var token: String?
        var password: String?
        var confirm: String?
        var csrf: String?
    }

    struct CSRFForm: Decodable {
        var csrf: String?
    }

    /// Said for every refused sign-in, whatever the reason: it reveals nothing about which names exist.
    static let refusal = "That name, password and code do not match an account. Check them and try again."

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("login", use: loginPage)
        router.post("login", use: login)
        router.post("login/code", use: secondStep)
        router.post("logout", use: logout)
        router.get("set-password", use: setPasswordPage)
        router.post("set-password", use: setPassword)
    }

    @Sendable func loginPage(_ request: Request, context: Context) async throws -> Response {
        if context.identity != nil { return redirect("/") }
        return try loginForm(username: "", problem: nil, status: .ok)
    }

    func loginForm(username: String, problem: String?, status: HTTPResponse.Status) throws -> Response {
        let token = try access.formToken()
        var response = try templates.page(
            LoginPage(formToken: token, username: username, problem: problem), template: "login", status: status)
        response.setCookie(formCookie(token))
        return response
    }

    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decode(as: LoginForm.self, context: context)
        guard access.checkFormToken(form: form.csrf, cookie: request.cookies[Access.formCookie]?.value) else {
            return try loginForm(
                username: "", problem: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        let name = (form.username ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form.password ?? ""
        let address = context.remoteAddress ?? "unknown"
        let store = access.store
        let now = access.clock.nowMillis()
        if let wait = access.throttleWait(account: name, address: address) {
            return try await throttled(name, address: address, wait: wait, nowMillis: now)
        }
        let credentials = try await store.credentials(of: name)
        // Unknown names and people without a password are checked against a dummy hash: the same work, the same answer.
        let passwordMatches = try await Passwords.verify(
            password, hash: credentials?.passwordHash ?? access.dummyHash)
        var accepted = passwordMatches && credentials?.passwordHash != nil
        if accepted, let credentials, let secret = credentials.totpSecret {
            // The right password of an account with a second factor: ask for the code on a second page.
            guard let code = form.code, !code.isEmpty else {
                return try secondStepForm(for: credentials.name, problem: nil, status: .ok)
            }
            accepted = SecondFactor.check(code, secret: secret, nowMillis: now)
        }
        guard accepted, let credentials else {
            return try await refuse(name, address: address, nowMillis: now) {
                try loginForm(username: form.username ?? "", problem: Self.refusal, status: .unauthorized)
            }
        }
        return try await signIn(credentials.name, address: address, nowMillis: now)
    }

    /// The second step: the code from the authenticator app, for the name the first step's signed cookie holds
    /// (valid 5 minutes). Wrong codes count as failed sign-ins.
    @Sendable func secondStep(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decode(as: LoginForm.self, context: context)
        guard access.checkFormToken(form: form.csrf, cookie: request.cookies[Access.formCookie]?.value),
            let name = access.secondStepPerson(request.cookies[Access.secondStepCookie]?.value)
        else {
            return try loginForm(
                username: "", problem: "The sign-in form had expired. Please try again.", status: .forbidden)
        }
        let address = context.remoteAddress ?? "unknown"
        let now = access.clock.nowMillis()
        if let wait = access.throttleWait(account: name, address: address) {
            return try await throttled(name, address: address, wait: wait, nowMillis: now)
        }
        guard let secret = try await access.store.credentials(of: name)?.totpSecret,
            SecondFactor.check(form.code ?? "", secret: secret, nowMillis: now)
        else {
            return try await refuse(name, address: address, nowMillis: now) {
                try secondStepForm(
                    for: name, problem: "That code is not the one your app shows now. Try the next one.",
                    status: .unauthorized)
            }
        }
        var response = try await signIn(name, address: address, nowMillis: now)
        response.setCookie(expired(Access.secondStepCookie))
        return response
    }

    func secondStepForm(for name: String, problem: String?, status: HTTPResponse.Status) throws -> Response {
        let token = try access.formToken()
        var response = try templates.page(
            SecondStepPage(formToken: token, problem: problem), template: "login-code", status: status)
        response.setCookie(formCookie(token))
        response.setCookie(
            Cookie(
                name: Access.secondStepCookie, value: try access.secondStepToken(for: name), maxAge: 300, path: "/",
                secure: access.settings.secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    /// Counts and audits a failed sign-in, then answers with `page`.
    func refuse(_ name: String, address: String, nowMillis: Int64, page: () throws -> Response) async throws
        -> Response
    {
        access.recordFailure(account: name, address: address)
        try await access.store.audit(
            actor: Self.printable(name), action: "login-failed", detail: "wrong name, password or code",
            address: address, nowMillis: nowMillis)
        return try page()
    }

    func throttled(_ name: String, address: String, wait: Int64, nowMillis: Int64) async throws -> Response {
        try await access.store.audit(
            actor: Self.printable(name), action: "login-refused", detail: "too many failed attempts",
            address: address, nowMillis: nowMillis)
        let minutes = (wait + 59_999) / 60_000
        return try loginForm(
            username: "",
            problem: "Too many failed sign-ins. Wait \(minutes) minute\(minutes == 1 ? "" : "s") and try again.",
            status: .tooManyRequests)
    }

    func signIn(_ name: String, address: String, nowMillis: Int64) async throws -> Response {
        access.recordSuccess(account: name)
        let session = try await access.store.startSession(for: name, address: address, nowMillis: nowMillis)
        var response = redirect("/")
        response.setCookie(sessionCookie(session.cookie))
        response.setCookie(expired(Access.formCookie))
        return response
    }

    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        guard let identity = context.identity, case .session(let cookie, let csrf) = identity.credential else {
            return redirect("/login")
        }
        let form = try await request.decode(as: CSRFForm.self, context: context)
        guard let sent = form.csrf, Secret.equal(sent, csrf) else {
            throw HTTPError(
                .forbidden, message: "the form's CSRF token is missing or wrong: reload the page and try again")
        }
        try await access.store.endSession(cookie, address: context.remoteAddress, nowMillis: access.clock.nowMillis())
        var response = redirect("/login")
        response.setCookie(expired(Access.sessionCookie))
        return response
    }

    @Sendable func setPasswordPage(_ request: Request, context: Context) async throws -> Response {
        let link = request.uri.queryParameters.get("token") ?? ""
        guard try await access.store.passwordLinkPerson(link, nowMillis: access.clock.nowMillis()) != nil else {
            return try invalidLink()
        }
        return try setPasswordForm(link: link, problem: nil, status: .ok)
    }

    func setPasswordForm(link: String, problem: String?, status: HTTPResponse.Status) throws -> Response {
        let token = try access.formToken()
        var response = try templates.page(
            SetPasswordPage(formToken: token, linkToken: link, problem: problem), template: "set-password",
            status: status)
        response.setCookie(formCookie(token))
        return response
    }

    func invalidLink() throws -> Response {
        try templates.page(
            MessagePage(
                title: "This link does not work",
                message: "It has expired or was already used. Ask an administrator for a new one.",
                linkHref: "/login", linkText: "Sign in"),
            template: "message", status: .gone)
    }

    @Sendable func setPassword(_ request: Request, context: Context) async throws -> Response {
        let form = try await request.decode(as: SetPasswordForm.self, context: context)
        let link = form.token ?? ""
        let password = form.password ?? ""
        guard access.checkFormToken(form: form.csrf, cookie: request.cookies[Access.formCookie]?.value) else {
            return try setPasswordForm(
                link: link, problem: "The form had expired. Please try again.", status: .forbidden)
        }
        let now = access.clock.nowMillis()
        guard try await access.store.passwordLinkPerson(link, nowMillis: now) != nil else { return try invalidLink() }
        if let problem = AccessSettings.passwordProblem(password) {
            return try setPasswordForm(
                link: link, problem: problem.prefix(1).uppercased() + problem.dropFirst() + ".", status: .badRequest)
        }
        guard password == form.confirm else {
            return try setPasswordForm(link: link, problem: "The two passwords differ.", status: .badRequest)
        }
        let hash = try await Passwords.hash(password, cost: access.settings.bcryptCost)
        guard
            try await access.store.redeemPasswordLink(
                link, passwordHash: hash, address: context.remoteAddress, nowMillis: now) != nil
        else { return try invalidLink() }
        return try templates.page(
            MessagePage(
                title: "Password set", message: "Your password is set. Sign in with it now.", linkHref: "/login",
                linkText: "Sign in"),
            template: "message")
    }

    // MARK: Helpers

    func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
    }

    func sessionCookie(_ value: String) -> Cookie {
        Cookie(
            name: Access.sessionCookie, value: value, maxAge: Int(access.settings.sessionAbsoluteMillis / 1000),
            path: "/",
            secure: access.settings.secureCookies, httpOnly: true, sameSite: .strict)
    }

    func formCookie(_ value: String) -> Cookie {
        Cookie(
            name: Access.formCookie, value: value, maxAge: 3600, path: "/", secure: access.settings.secureCookies,
            httpOnly: true, sameSite: .strict)
    }

    func expired(_ name: String) -> Cookie {
        Cookie(
            name: name, value: "", maxAge: 0, path: "/", secure: access.settings.secureCookies, httpOnly: true,
            sameSite: .strict)
    }

    /// A typed name as the audit log keeps it: at most 64 characters, control characters escaped.
    static func printable(_ text: String) -> String {
        AuditEntry.printable(String(text.prefix(64)))
    }
}

extension MustacheLibrary {
    /// A page from a template, never cached (it may hold figures a person may see only while signed in).
    func page(_ page: Any, template: String, status: HTTPResponse.Status = .ok) throws -> Response {
        guard let text = render(page, withTemplate: template) else {
            throw HTTPError(.internalServerError, message: "the page could not be drawn")
        }
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
