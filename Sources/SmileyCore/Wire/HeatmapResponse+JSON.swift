extension HeatmapResponse {
    /// The answer as JSON, the same bytes `JSONEncoder` writes with `.sortedKeys` and `.withoutEscapingSlashes`
    /// (HeatmapJSONTests), several times faster: the heatmap API writes 17 kB of it for a 13-week window.
    /// Absent optionals are left out, as the synthesized `Encodable` leaves them out.
    public func jsonBytes() throws(JSONWriterError) -> [UInt8] {
        var json = JSONWriter(capacity: 256 + 120 * cells.count + 100 * daily.count)
        json.beginObject()
        json.key("answers")
        json.beginArray()
        for answer in answers {
            json.beginObject()
            json.key("answer")
            json.value(answer.answer)
            json.key("count")
            json.value(answer.count)
            json.key("label")
            json.value(answer.label)
            json.endObject()
        }
        json.endArray()
        json.key("cells")
        json.beginArray()
        for (position, cell) in cells.enumerated() {
            json.beginObject()
            json.key("count")
            json.value(cell.count)
            json.key("enough")
            json.value(cell.enough)
            if let high = cell.high {
                json.key("high")
                try json.value(high, at: "cells[\(position)].high")
            }
            json.key("hour")
            json.value(cell.hour)
            if let index = cell.index {
                json.key("index")
                try json.value(index, at: "cells[\(position)].index")
            }
            if let low = cell.low {
                json.key("low")
                try json.value(low, at: "cells[\(position)].low")
            }
            json.key("weekday")
            json.value(cell.weekday)
            json.endObject()
        }
        json.endArray()
        json.key("centre")
        json.value(centre.rawValue)
        json.key("daily")
        json.beginArray()
        for (position, day) in daily.enumerated() {
            json.beginObject()
            json.key("count")
            json.value(day.count)
            json.key("date")
            json.value(day.date.description)
            json.key("enough")
            json.value(day.enough)
            if let high = day.high {
                json.key("high")
                try json.value(high, at: "daily[\(position)].high")
            }
            if let index = day.index {
                json.key("index")
                try json.value(index, at: "daily[\(position)].index")
            }
            if let low = day.low {
                json.key("low")
                try json.value(low, at: "daily[\(position)].low")
            }
            json.endObject()
        }
        json.endArray()
        if let high {
            json.key("high")
            try json.value(high, at: "high")
        }
        if let index {
            json.key("index")
            try json.value(index, at: "index")
        }
        if let low {
            json.key("low")
            try json.value(low, at: "low")
        }
        json.key("minimumCount")
        json.value(minimumCount)
        if let openingHours {
            json.key("openingHours")
            json.value(openingHours)
        }
        json.key("outsideOpeningHours")
        json.value(outsideOpeningHours)
        json.key("presses")
        json.value(presses)
        json.key("previous")
        json.beginObject()
        if let change = previous.change {
            json.key("change")
            try json.value(change, at: "previous.change")
        }
        if let high = previous.high {
            json.key("high")
            try json.value(high, at: "previous.high")
        }
        if let index = previous.index {
            json.key("index")
            try json.value(index, at: "previous.index")
        }
        if let low = previous.low {
            json.key("low")
            try json.value(low, at: "previous.low")
        }
        json.key("presses")
        json.value(previous.presses)
        json.key("verdict")
        json.value(previous.verdict.rawValue)
        json.key("window")
        Self.write(previous.window, to: &json)
        if let z = previous.z {
            json.key("z")
            try json.value(z, at: "previous.z")
        }
        json.endObject()
        json.key("question")
        json.value(question.rawValue)
        json.key("timeUncertainPresses")
        json.value(timeUncertainPresses)
        json.key("timeZone")
        json.value(timeZone)
        json.key("window")
        Self.write(window, to: &json)
        json.endObject()
        return json.bytes
    }

    private static func write(_ window: DateWindow, to json: inout JSONWriter) {
        json.beginObject()
        json.key("from")
        json.value(window.from.description)
        json.key("to")
        json.value(window.to.description)
        json.endObject()
    }
}
