import Crypto
import Foundation
import HummingbirdBcrypt
import HummingbirdOTP
import NIOPosix
import Synchronization

/// How the hub treats people: password cost, session lifetimes, cookies, sign-in limits.
public struct AccessSettings: Sendable {
    /// bcrypt cost (log2 rounds): 12 in production; tests use the minimum, 4.
    public var bcryptCost: UInt8
    /// A session unused this long ends.
    public var sessionIdleMillis: Int64
    /// A session ends this long after sign-in, used or not.
    public var sessionAbsoluteMillis: Int64
    /// Mark cookies `Secure` (set when the hub serves HTTPS).
    public var secureCookies: Bool
    public var throttle: LoginThrottle.Limits

    public init(
        bcryptCost: UInt8 = 12, sessionIdleMillis: Int64 = 30 * 60_000, sessionAbsoluteMillis: Int64 = 12 * 3_600_000,
        secureCookies: Bool = false, throttle: LoginThrottle.Limits = LoginThrottle.Limits()
    ) {
        self.bcryptCost = min(31, max(4, bcryptCost))
        self.sessionIdleMillis = sessionIdleMillis
        self.sessionAbsoluteMillis = sessionAbsoluteMillis
        self.secureCookies = secureCookies
        self.throttle = throttle
    }

    /// The shortest password accepted; bcrypt reads at most 72 bytes, so longer ones are refused.
    public static let minimumPasswordLength = 12
    public static let maximumPasswordBytes = 72

    /// Why a new password is refused, or nil when it is acceptable.
    public static func passwordProblem(_ password: String) -> String? {
        if password.count < minimumPasswordLength {
            return "a password needs at least \(minimumPasswordLength) characters"
        }
        if password.utf8.count > maximumPasswordBytes {
            return "a password may have at most \(maximumPasswordBytes) bytes"
        }
        return nil
    }
}

/// Password hashing off the request threads.
public enum Passwords {
    public static func hash(_ password: String, cost: UInt8) async throws -> String {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }
}

/// TOTP second factor (RFC 6238, 30 s steps, 6 digits): the secret is kept as text, used as its UTF-8 bytes.
public enum SecondFactor {
    public static func newSecret() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<20).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }

    public static func authenticatorURL(secret: String, person: String) -> String {
        TOTP(secret: secret).createAuthenticatorURL(label: "Smiley:\(person)", issuer: "Smiley")
    }

    public static func code(secret: String, atMillis: Int64) -> Int {
        TOTP(secret: secret).compute(date: Date(timeIntervalSince1970: Double(atMillis) / 1000))
    }

    /// Accepts the code of this 30 s step or of the one before or after (clocks drift).
    public static func check(_ text: String, secret: String, nowMillis: Int64) -> Bool {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.count == 6, let value = Int(digits) else { return false }
        return [-30_000, 0, 30_000].contains { code(secret: secret, atMillis: nowMillis + Int64($0)) == value }
    }
}

/// The people side of the hub shared by its middleware and controllers: who a cookie or token is,
/// sign-in limits, signed forms.
final class Access: Sendable {
    /// Where people, sessions and tokens are kept: SQLite or PostgreSQL, read on every request (no cache).
    let store: any SignInStore
    let clock: HubClock
    let settings: AccessSettings
    /// A bcrypt hash of nothing anyone knows, checked for unknown names so that they take as long as known ones.
    let dummyHash: String
    /// The key the sign-in forms are signed with: read at start (`loadFormKey` on PostgreSQL).
    private let formKey: Mutex<SymmetricKey?>
    private let throttle: Mutex<LoginThrottle>

    static let sessionCookie = "smiley_session"
    static let formCookie = "smiley_form"
    static let secondStepCookie = "smiley_second_step"

    /// An SQLite hub: the form key is read now.
    convenience init(database: HubDatabase, clock: HubClock, settings: AccessSettings) throws {
        let key = SymmetricKey(data: Data(try database.formSigningKey().utf8))
        try self.init(store: database, clock: clock, settings: settings)
        formKey.withLock { $0 = key }
    }

    /// Any store; call `loadFormKey()` before serving the sign-in forms.
    init(store: any SignInStore, clock: HubClock, settings: AccessSettings) throws {
        self.store = store
        self.clock = clock
        self.settings = settings
        self.dummyHash = Bcrypt.hash(Secret.random(), cost: settings.bcryptCost)
        self.formKey = Mutex(nil)
        self.throttle = Mutex(LoginThrottle(limits: settings.throttle))
    }

    /// Reads (on PostgreSQL, first makes) the key the sign-in forms are signed with.
    func loadFormKey() async throws(HubError) {
        let key = SymmetricKey(data: Data(try await store.formSigningKey().utf8))
        formKey.withLock { $0 = key }
    }

    /// The identity of a signed-in session cookie, or nil.
    func identify(sessionCookie cookie: String) async throws -> Identity? {
        guard
            let session = try await store.liveSession(
                cookie, nowMillis: clock.nowMillis(), idleMillis: settings.sessionIdleMillis,
                absoluteMillis: settings.sessionAbsoluteMillis),
            let credentials = try await store.credentials(of: session.person)
        else { return nil }
        return Identity(
            name: credentials.name, role: credentials.role, scope: try await store.readScope(of: credentials.name),
            credential: .session(cookie: cookie, csrf: session.csrf))
    }

    /// The identity of a personal API token, or nil (device tokens are not personal tokens).
    func identify(apiToken token: String) async throws -> Identity? {
        guard token.hasPrefix(PeopleRules.apiTokenPrefix),
            let person = try await store.apiTokenOwner(token, nowMillis: clock.nowMillis()),
            let credentials = try await store.credentials(of: person)
        else { return nil }
        return Identity(
            name: credentials.name, role: credentials.role, scope: try await store.readScope(of: credentials.name),
            credential: .apiToken)
    }

    // MARK: Sign-in limits

    func throttleWait(account: String, address: String) -> Int64? {
        let now = clock.nowMillis()
        return throttle.withLock { $0.wait(account: account, address: address, nowMillis: now) }
    }

    func recordFailure(account: String, address: String) {
        let now = clock.nowMillis()
        throttle.withLock { $0.recordFailure(account: account, address: address, nowMillis: now) }
    }

    func recordSuccess(account: String) {
        throttle.withLock { $0.recordSuccess(account: account) }
    }

    // MARK: Forms without a session (sign-in, setting a password)

    /// A token for a form shown before anyone signed in: a nonce and its HMAC under the hub's key, sent both
    /// as a cookie and in the form (signed double submit).
    func formToken() throws -> String {
        let nonce = Secret.random(bytes: 16)
        return nonce + "." + (try signature(nonce))
    }

    /// True when the form's token is one the hub signed and equals the cookie's.
    func checkFormToken(form: String?, cookie: String?) -> Bool {
        guard let form, let cookie, Secret.equal(form, cookie) else { return false }
        let parts = form.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let expected = try? signature(String(parts[0])) else { return false }
        return Secret.equal(String(parts[1]), expected)
    }

    /// Who passed the first step of a sign-in with a second factor: their name (hex), an expiry 5 minutes
    /// ahead and an HMAC of both, so that the second step needs no password and no stored state.
    func secondStepToken(for name: String) throws -> String {
        let hex = Data(name.utf8).map { String(format: "%02x", $0) }.joined()
        let payload = hex + "." + String(clock.nowMillis() + 300_000)
        return payload + "." + (try signature("second-step:" + payload))
    }

    /// The name a second-step token holds while it is valid, or nil.
    func secondStepPerson(_ token: String?) -> String? {
        guard let parts = token?.split(separator: ".", omittingEmptySubsequences: false), parts.count == 3,
            let expected = try? signature("second-step:\(parts[0]).\(parts[1])"),
            Secret.equal(String(parts[2]), expected),
            let expires = Int64(parts[1]), expires > clock.nowMillis()
        else { return nil }
        var bytes: [UInt8] = []
        var hex = parts[0][...]
        while hex.count >= 2, let byte = UInt8(hex.prefix(2), radix: 16) {
            bytes.append(byte)
            hex = hex.dropFirst(2)
        }
        return hex.isEmpty ? String(decoding: bytes, as: UTF8.self) : nil
    }

    private func signature(_ nonce: String) throws(HubError) -> String {
        guard let key = formKey.withLock({ $0 }) else {
            throw .storage("the sign-in forms' key was not read from the database before serving")
        }
        return HMAC<SHA256>.authenticationCode(for: Data(nonce.utf8), using: key).map { String(format: "%02x", $0) }
            .joined()
    }
}
