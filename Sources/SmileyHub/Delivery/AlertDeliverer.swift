import Foundation
import Logging
import SmileyCore

/// How the hub delivers alerts: which channels are configured, where mail comes from and goes besides the
/// centre's managers, and how failures are retried.
public struct DeliveryConfiguration: Sendable {
    public var webhook: WebhookConfiguration?
    public var smtp: SMTPConfiguration?
    /// Addresses that receive every centre's alert mail, besides the managers of the centre.
    public var extraRecipients: [String]
    /// The hub's address as managers reach it, for links in notifications.
    public var hubURL: String?
    public var backoff: DeliveryBackoff

    public init(
        webhook: WebhookConfiguration? = nil, smtp: SMTPConfiguration? = nil, extraRecipients: [String] = [],
        hubURL: String? = nil, backoff: DeliveryBackoff = DeliveryBackoff()
    ) {
        self.webhook = webhook
        self.smtp = smtp
        self.extraRecipients = extraRecipients
        self.hubURL = hubURL
        self.backoff = backoff
    }

    /// The channels a new alert is queued on.
    public var channels: [String] { (webhook == nil ? [] : ["webhook"]) + (smtp == nil ? [] : ["email"]) }
}

/// Delivers due notifications from the outbox, one pass at a time, at the instant it is given: the
/// `DeliveryService` calls it, tests call it with the time they choose.
///
/// Each delivery is claimed before it is attempted (`CentreCareStore.claimDueDeliveries`: its next attempt moves
/// `claimHold` ahead in the statement that finds it), one at a time, so a delivery is attempted by one pass only,
/// even by hubs sharing a PostgreSQL database whose lease changed hands mid-pass. A process that dies between
/// sending and recording leaves the claim to expire: the delivery is then attempted again, as after a failed
/// attempt; receivers tell repeats apart by the delivery's id (the `Smiley-Delivery` header).
public struct AlertDeliverer: Sendable {
    let store: any CentreReadStore & CentreCareStore
    let configuration: DeliveryConfiguration
    let webhook: WebhookSender?
    let mail: (any MailTransport)?
    let logger: Logger

    /// How long a claimed delivery stays out of the due ones while its attempt runs: well over the webhook's
    /// and the mail's timeouts.
    public static let claimHoldMillis: Int64 = 300_000
    /// At most this many deliveries are attempted in one pass; the rest wait for the next.
    public static let passLimit = 50

    public init(
        database: HubDatabase, configuration: DeliveryConfiguration, webhook: WebhookSender? = nil,
        mail: (any MailTransport)? = nil, logger: Logger
    ) {
        self.init(store: database, configuration: configuration, webhook: webhook, mail: mail, logger: logger)
    }

    public init(
        store: any CentreReadStore & CentreCareStore, configuration: DeliveryConfiguration,
        webhook: WebhookSender? = nil, mail: (any MailTransport)? = nil, logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.webhook = webhook ?? configuration.webhook.map { WebhookSender(configuration: $0) }
        self.mail = mail ?? configuration.smtp.map { SMTPClient(configuration: $0) }
        self.logger = logger
    }

    /// Tries every delivery due at `nowMillis` once; returns them as they stand afterwards.
    @discardableResult
    public func deliverDue(nowMillis: Int64) async throws -> [AlertDelivery] {
        var results: [AlertDelivery] = []
        for _ in 0..<Self.passLimit {
            guard
                let delivery = try await store.claimDueDeliveries(
                    nowMillis: nowMillis, holdUntilMillis: nowMillis + Self.claimHoldMillis, limit: 1
                ).first
            else { break }
            var problem: String?
            var giveUp = false
            do {
                try await attempt(delivery, nowMillis: nowMillis)
            } catch let failure as NoRecipients {
                problem = failure.description
                giveUp = true
            } catch {
                problem = "\(error)"
            }
            let attempts = delivery.attempts + 1
            let next =
                giveUp ? nil : configuration.backoff.nextAttempt(afterAttempts: attempts, nowMillis: nowMillis)
            try await store.recordDeliveryAttempt(
                id: delivery.id, error: problem, nextAttemptMillis: next, nowMillis: nowMillis)
            if let problem {
                let outcome = next == nil ? "giving up" : "trying again later"
                logger.warning(
                    "alert \(delivery.alertID) \(delivery.channel) delivery attempt \(attempts) failed: \(problem); \(outcome)"
                )
            } else {
                logger.info("alert \(delivery.alertID) delivered by \(delivery.channel)")
            }
            if let stored = try await store.deliveries(alertID: delivery.alertID).first(where: { $0.id == delivery.id })
            {
                results.append(stored)
            }
        }
        return results
    }

    struct NoRecipients: Error, CustomStringConvertible {
        let centre: CentreID
        var description: String {
            "no recipients: no manager of \(centre) has an e-mail address (smiley-hub user email) "
                + "and no --alert-mail-to is configured"
        }
    }

    struct ChannelMissing: Error, CustomStringConvertible {
        let channel: String
        var description: String { "the \(channel) channel is not configured on this hub (see smiley-hub serve --help)" }
    }

    func attempt(_ delivery: AlertDelivery, nowMillis: Int64) async throws {
        guard let alert = try await store.alert(id: delivery.alertID) else {
            throw HubError.notFound("alert \(delivery.alertID) is gone")
        }
        let centreName = try await store.centre(alert.centre)?.name ?? alert.centre.rawValue
        let notification = AlertNotification(
            alert: alert, centreName: centreName, event: delivery.event, hubURL: configuration.hubURL)
        switch delivery.channel {
        case "webhook":
            guard let webhook else { throw ChannelMissing(channel: "webhook") }
            try await webhook.post(
                body: try notification.json(deliveryID: delivery.id), deliveryID: delivery.id, nowMillis: nowMillis)
        default:
            guard let mail, let smtp = configuration.smtp else { throw ChannelMissing(channel: "e-mail") }
            var recipients = try await store.managerAddresses(centre: alert.centre)
            for extra in configuration.extraRecipients where !recipients.contains(extra) { recipients.append(extra) }
            guard !recipients.isEmpty else { throw NoRecipients(centre: alert.centre) }
            try await mail.send(notification.mail(from: smtp.from, to: recipients))
        }
    }
}
