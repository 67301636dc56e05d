import ArgumentParser
import Foundation
import SmileyCore
import SmileyHub

/// How the audit log names changes made on the server's command line.
let commandLineActor = "command line (\(ProcessInfo.processInfo.environment["SUDO_USER"] ?? NSUserName()))"

func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

/// Runs a command's work; a hub refusal is printed (not as a usage error) and exits 1.
func refusing(_ work: () async throws -> Void) async throws {
    do {
        try await work()
    } catch let error as HubError {
        FileHandle.standardError.write(Data("smiley-hub: \(error)\n".utf8))
        throw ExitCode.failure
    }
}

struct ScopeOptions: ParsableArguments {
    @Option(help: "A centre the user may see; repeat for several.") var centre: [String] = []
    @Option(help: "A group of centres the user may see; repeat for several.") var group: [String] = []

    func grants() throws -> [ScopeGrant] {
        var grants: [ScopeGrant] = []
        for text in centre {
            do { grants.append(.centre(try CentreID.parse(text))) } catch { throw ValidationError(error.description) }
        }
        return grants + group.map { .group($0) }
    }
}

/// Reads a new password from standard input (one line) and checks it.
func passwordFromStandardInput() throws -> String {
    guard let line = readLine(strippingNewline: true) else {
        throw ValidationError("--password-stdin: no password on standard input")
    }
    if let problem = AccessSettings.passwordProblem(line) { throw ValidationError("--password-stdin: \(problem)") }
    return line
}

struct LinkOptions: ParsableArguments {
    @Option(help: "The hub's address as people reach it, for the password-setting link.")
    var hubURL = "http://127.0.0.1:8080"
    @Option(help: "How long the password-setting link works: minutes (30m), hours (24h) or days (7d).")
    var linkExpires = "24h"

    func printLink(for name: String, store: any PeopleStore) async throws {
        guard let seconds = Enroll.seconds(linkExpires) else {
            throw ValidationError("--link-expires '\(linkExpires)': expected a number followed by m, h or d")
        }
        let now = nowMillis()
        let token = try await store.issuePasswordLink(
            for: name, expiresMillis: now + seconds * 1000, by: commandLineActor, nowMillis: now)
        let base = hubURL.hasSuffix("/") ? String(hubURL.dropLast()) : hubURL
        print("\(name) sets a password once, within \(linkExpires), at:")
        print("\(base)/set-password?token=\(token)")
    }
}

struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group", abstract: "Groups of centres (a dzongkhag, a region) to give people as a whole.",
        discussion:
            "Example: smiley-hub group add paro-dzongkhag; smiley-hub centre set paro-dcrc --group paro-dzongkhag",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a group of centres.", discussion: "Example: smiley-hub group add paro-dzongkhag")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Group name: a-z, 0-9, '.', '-' and '_'.") var name: String

        func run() async throws {
            try await refusing {
                try await store.withStore { store in
                    try await store.addGroup(name, by: commandLineActor, nowMillis: nowMillis())
                }
                print("added group \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List groups and their centres.", discussion: "Example: smiley-hub group list")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await refusing {
                for group in try await store.withStore({ store in try await store.groups() }) {
                    print("\(group.name)\t\(group.centres.map(\.rawValue).joined(separator: " "))")
                }
            }
        }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "People who read the dashboard: roles, scopes, passwords.",
        discussion: """
            Roles: administrator (every centre), manager (named centres or groups; exports and API tokens),
            viewer (named centres or groups; pages and heatmaps only). There is no sign-up on the web.
            Example: smiley-hub user add dorji --role manager --centre thimphu-dcrc
            """,
        subcommands: [
            Add.self, List.self, Grant.self, Revoke.self, Remove.self, ResetPassword.self, TOTPCommand.self,
            Email.self,
        ])

    struct Email: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set or clear a person's e-mail address: managers receive their centres' alerts there.",
            discussion: "Example: smiley-hub user email dorji dorji@example.bt; smiley-hub user email dorji --none")
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name.") var name: String
        @Argument(help: "E-mail address.") var address: String?
        @Flag(help: "Clear the address.") var none = false

        func run() async throws {
            guard (address == nil) == none else { throw ValidationError("give an address or --none, not both") }
            try await refusing {
                try await store.withStore { store in
                    try await store.setEmail(address, of: name, by: commandLineActor, nowMillis: nowMillis())
                }
                print("\(name): \(address.map { "e-mail \($0)" } ?? "no e-mail")")
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a person; prints a one-time link to set the password, or reads it from standard input.",
            discussion: """
                Example: smiley-hub user add dorji --role manager --centre thimphu-dcrc --hub-url https://hub.example:8080
                Example: printf '%s\\n' "$PASSWORD" | smiley-hub user add admin --role administrator --password-stdin
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name: a-z, 0-9, '.', '-' and '_'.") var name: String
        @Option(help: "administrator, manager or viewer.") var role: String
        @OptionGroup var scope: ScopeOptions
        @Flag(help: "Read the password from the first line of standard input instead of printing a link.")
        var passwordStdin = false
        @OptionGroup var link: LinkOptions
        @Option(help: "bcrypt cost of the password hash (log2 rounds, 4 to 31).") var bcryptCost: UInt8 = 12

        func run() async throws {
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role '\(role)': expected administrator, manager or viewer")
            }
            let grants = try scope.grants()
            if role == .administrator && !grants.isEmpty {
                throw ValidationError("an administrator sees every centre: give no --centre or --group")
            }
            if role != .administrator && grants.isEmpty {
                throw ValidationError("a \(role.rawValue) needs at least one --centre or --group")
            }
            guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4 to 31") }
            var hash: String?
            if passwordStdin { hash = try await Passwords.hash(try passwordFromStandardInput(), cost: bcryptCost) }
            try await refusing {
                try await store.withStore { store in
                    try await store.addPerson(
                        name, role: role, grants: grants, passwordHash: hash, by: commandLineActor,
                        nowMillis: nowMillis())
                    print("added \(role.rawValue) \(name)")
                    if hash == nil { try await link.printLink(for: name, store: store) }
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List people with their roles and scopes.", discussion: "Example: smiley-hub user list")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await refusing {
                for person in try await store.withStore({ store in try await store.people() }) {
                    let scope =
                        person.role == .administrator
                        ? "every centre" : person.grants.map(\.description).joined(separator: ", ")
                    let notes = [person.hasPassword ? nil : "no password yet", person.hasTOTP ? "TOTP" : nil].compactMap
                    { $0 }
                    print(
                        "\(person.name)\t\(person.role.rawValue)\t\(scope.isEmpty ? "nothing" : scope)\t\(notes.joined(separator: ", "))"
                    )
                }
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Let a person see more centres or groups.",
            discussion: "Example: smiley-hub user grant dorji --group paro-dzongkhag")
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name.") var name: String
        @OptionGroup var scope: ScopeOptions

        func run() async throws {
            let grants = try scope.grants()
            guard !grants.isEmpty else { throw ValidationError("give at least one --centre or --group") }
            try await refusing {
                try await store.withStore { store in
                    try await store.grant(grants, to: name, by: commandLineActor, nowMillis: nowMillis())
                }
                print("\(name) now also sees \(grants.map(\.description).joined(separator: ", "))")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take centres or groups out of a person's scope.",
            discussion: "Example: smiley-hub user revoke dorji --centre thimphu-dcrc")
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name.") var name: String
        @OptionGroup var scope: ScopeOptions

        func run() async throws {
            let grants = try scope.grants()
            guard !grants.isEmpty else { throw ValidationError("give at least one --centre or --group") }
            try await refusing {
                try await store.withStore { store in
                    try await store.revoke(grants, from: name, by: commandLineActor, nowMillis: nowMillis())
                }
                print("\(name) no longer sees \(grants.map(\.description).joined(separator: ", "))")
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a person, their sessions and API tokens (the audit log keeps their name).",
            discussion: "Example: smiley-hub user remove dorji")
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name.") var name: String

        func run() async throws {
            try await refusing {
                try await store.withStore { store in
                    try await store.removePerson(name, by: commandLineActor, nowMillis: nowMillis())
                }
                print("removed \(name)")
            }
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Forget a person's password, end their sessions and print a one-time link to set a new one.",
            discussion: "Example: smiley-hub user reset-password dorji --hub-url https://hub.example:8080")
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name.") var name: String
        @Flag(help: "Read the new password from standard input instead of printing a link.") var passwordStdin = false
        @OptionGroup var link: LinkOptions
        @Option(help: "bcrypt cost of the password hash (log2 rounds, 4 to 31).") var bcryptCost: UInt8 = 12

        func run() async throws {
            guard (4...31).contains(bcryptCost) else { throw ValidationError("--bcrypt-cost must be 4 to 31") }
            var hash: String?
            if passwordStdin { hash = try await Passwords.hash(try passwordFromStandardInput(), cost: bcryptCost) }
            try await refusing {
                try await store.withStore { store in
                    try await store.setPasswordHash(hash, of: name, by: commandLineActor, nowMillis: nowMillis())
                    if hash == nil {
                        try await link.printLink(for: name, store: store)
                    } else {
                        print("set a new password for \(name)")
                    }
                }
            }
        }
    }

    struct TOTPCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "totp",
            abstract: "Turn on a second factor: prints the secret and otpauth URL for an authenticator app.",
            discussion: "The sign-in form then asks for the app's 6-digit code.\nExample: smiley-hub user totp dorji")
        @OptionGroup var store: StoreOptions
        @Argument(help: "User name.") var name: String
        @Flag(help: "Turn the second factor off instead.") var disable = false

        func run() async throws {
            try await refusing {
                try await store.withStore { store in
                    if disable {
                        try await store.setTOTPSecret(nil, of: name, by: commandLineActor, nowMillis: nowMillis())
                        print("\(name) signs in with a password only")
                        return
                    }
                    let secret = SecondFactor.newSecret()
                    try await store.setTOTPSecret(secret, of: name, by: commandLineActor, nowMillis: nowMillis())
                    print(SecondFactor.authenticatorURL(secret: secret, person: name))
                }
            }
        }
    }
}

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Personal API tokens for scripts (scoped like their owner).",
        discussion: "Example: smiley-hub token create dorji --name nightly-report --expires 90d",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token for a person and print it (only its hash is kept).",
            discussion: "Example: smiley-hub token create dorji --name nightly-report --expires 90d")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Owner's user name.") var user: String
        @Option(help: "What uses the token.") var name: String
        @Option(help: "How long it works: minutes (30m), hours (24h) or days (90d); 'never' for no end.")
        var expires = "90d"

        func run() async throws {
            let expiresMillis: Int64?
            if expires == "never" {
                expiresMillis = nil
            } else {
                guard let seconds = Enroll.seconds(expires) else {
                    throw ValidationError("--expires '\(expires)': expected a number followed by m, h or d, or never")
                }
                expiresMillis = nowMillis() + seconds * 1000
            }
            try await refusing {
                let created = try await store.withStore { store in
                    try await store.createAPIToken(
                        for: user, name: name, expiresMillis: expiresMillis, by: commandLineActor, address: nil,
                        nowMillis: nowMillis())
                }
                print(created.token)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List tokens (never the tokens themselves).", discussion: "Example: smiley-hub token list")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Only this person's tokens.") var user: String?

        func run() async throws {
            try await refusing {
                let now = nowMillis()
                for token in try await store.withStore({ store in try await store.apiTokens(of: user) }) {
                    let state =
                        token.revokedMillis != nil
                        ? "revoked" : (token.expiresMillis.map { $0 <= now } ?? false) ? "expired" : "valid"
                    print("\(token.id)\t\(token.person)\t\(AuditEntry.printable(token.name))\t\(state)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by its number (from token list).",
            discussion: "Example: smiley-hub token revoke 3")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Token number.") var id: Int64

        func run() async throws {
            try await refusing {
                try await store.withStore { store in
                    try await store.revokeAPIToken(
                        id, owner: nil, by: commandLineActor, address: nil, nowMillis: nowMillis())
                }
                print("revoked token \(id)")
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Print the audit log: sign-ins, people and token changes, exports.",
        discussion: "Example: smiley-hub audit --limit 50")
    @OptionGroup var store: StoreOptions
    @Option(help: "How many of the newest entries.") var limit = 200

    func run() async throws {
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1, got \(limit)") }
        try await refusing {
            for entry in try await store.withStore({ store in try await store.auditEntries(limit: limit) }).reversed() {
                print(entry.printableLine)
            }
        }
    }
}
