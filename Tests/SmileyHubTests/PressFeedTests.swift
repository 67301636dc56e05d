import SmileyCore
import SmileyHub
import Testing

@Suite struct PressFeedTests {
    @Test func subscribersHearEachPublishedCentreAndTheFeedIsBounded() async throws {
        let feed = PressFeed(maximumSubscribers: 2)
        let first = try #require(await feed.subscribe())
        let second = try #require(await feed.subscribe())
        #expect(await feed.subscribe() == nil)
        await feed.publish(CentreID(rawValue: "paro")!)
        var a = first.makeAsyncIterator()
        var b = second.makeAsyncIterator()
        #expect(await a.next() == CentreID(rawValue: "paro"))
        #expect(await b.next() == CentreID(rawValue: "paro"))
    }
}
