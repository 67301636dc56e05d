import Logging
import ServiceLifecycle
import SmileyCore

/// Mails each centre's weekly report once it falls due (after the week's last opening hour, in the centre's
/// zone), to the centre's managers that have an e-mail address, once per centre and week.
///
/// A pass at `nowMillis` first queues, for every centre, its latest due week in `weekly_report_sending`
/// (a week already there is left alone: sent, pending or given up), then tries every pending row that is due.
/// A failed attempt (SMTP refused, no manager with an address yet) is tried again on the alert outbox's
/// backoff (`DeliveryConfiguration.backoff`) and given up after its last attempt. The `--alert-mail-to`
/// addresses are not added: they are for alert mail. The row is marked sent only after the SMTP server has
/// accepted the message; a hub stopped between those two steps sends that one report again when it restarts.
public struct WeeklyReportSender: Sendable {
    let database: HubDatabase
    let from: String
    let mail: any MailTransport
    let backoff: DeliveryBackoff
    let settings: ReportSettings
    let logger: Logger

    /// - Parameter from: the sender's address (`--smtp-from`).
    public init(
        database: HubDatabase, from: String, mail: any MailTransport, backoff: DeliveryBackoff = DeliveryBackoff(),
        settings: ReportSettings = ReportSettings(), logger: Logger
    ) {
        self.database = database
        self.from = from
        self.mail = mail
        self.backoff = backoff
        self.settings = settings
        self.logger = logger
    }

    /// The sender the hub's delivery settings give, or nil when no SMTP server is configured.
    public init?(
        database: HubDatabase, configuration: DeliveryConfiguration, settings: ReportSettings, logger: Logger
    ) {
        guard let smtp = configuration.smtp else { return nil }
        self.init(
            database: database, from: smtp.from, mail: SMTPClient(configuration: smtp), backoff: configuration.backoff,
            settings: settings, logger: logger)
    }

    struct NoRecipients: Error, CustomStringConvertible {
        let centre: CentreID
        var description: String {
            "no recipients: no manager of \(centre) has an e-mail address (smiley-hub user email NAME ADDRESS)"
        }
    }

    /// Queues the centres' latest due weeks and tries every due report once; returns the rows tried, as they
    /// stand afterwards.
    @discardableResult
    public func sendDue(nowMillis: Int64) async throws -> [WeeklyReportSending] {
        let reader = CentreReader(database: database, clock: .fixed(nowMillis), settings: settings)
        for centre in try await reader.centres() {
            let week = try await reader.weeklyReportSchedule(of: centre).latestDueWeek(nowMillis: nowMillis).week
            if try database.queueWeeklyReport(centre: centre.id, weekFrom: week.from, nowMillis: nowMillis) {
                logger.info("weekly report of \(centre.id) for the week of \(week.from) is due")
            }
        }
        var results: [WeeklyReportSending] = []
        for due in try database.dueWeeklyReports(nowMillis: nowMillis) {
            var problem: String?
            var recipients: [String] = []
            do {
                recipients = try database.managerAddresses(centre: due.centre)
                guard !recipients.isEmpty else { throw NoRecipients(centre: due.centre) }
                let centre = try await reader.centre(due.centre.rawValue)
                let rendered = try WeeklyReportMail(try await reader.weeklyReport(of: centre, weekOf: due.weekFrom))
                try await mail.send(
                    MailMessage(
                        from: from, to: recipients, subject: rendered.subject, text: rendered.text, html: rendered.html)
                )
            } catch {
                problem = "\(error)"
            }
            let attempts = due.attempts + 1
            let next = problem == nil ? nil : backoff.nextAttempt(afterAttempts: attempts, nowMillis: nowMillis)
            try database.recordWeeklyReportAttempt(
                centre: due.centre, weekFrom: due.weekFrom, error: problem, recipients: recipients,
                nextAttemptMillis: next, nowMillis: nowMillis)
            if let problem {
                let outcome = next == nil ? "giving up" : "trying again later"
                logger.warning(
                    "weekly report of \(due.centre) for the week of \(due.weekFrom): attempt \(attempts) failed: \(problem); \(outcome)"
                )
            } else {
                logger.info(
                    "weekly report of \(due.centre) for the week of \(due.weekFrom) sent to \(recipients.joined(separator: ", "))"
                )
            }
            if let stored = try database.weeklyReportSendings(centre: due.centre).first(where: {
                $0.weekFrom == due.weekFrom
            }) {
                results.append(stored)
            }
        }
        return results
    }
}

/// Runs the weekly report sender inside the hub every `pollInterval`, at the hub clock's time. What was sent
/// is in the database, so a restart neither loses nor repeats a week.
public struct WeeklyReportService: Service {
    let sender: WeeklyReportSender
    let clock: HubClock
    let pollInterval: Duration
    let logger: Logger

    public init(sender: WeeklyReportSender, clock: HubClock, pollInterval: Duration = .seconds(60), logger: Logger) {
        self.sender = sender
        self.clock = clock
        self.pollInterval = pollInterval
        self.logger = logger
    }

    public func run() async throws {
        await WakeSignal().run(every: pollInterval) {
            do {
                try await sender.sendDue(nowMillis: clock.nowMillis())
            } catch {
                logger.error("weekly report sending failed: \(error)")
            }
        }
    }
}
