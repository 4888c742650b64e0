// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.Credits;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * The ledger's transfers for an outside payment system, as CSV or JSON with the same stable columns, in this
 * order: {@value #HEADER}. Times are ISO-8601 UTC; {@code amount} is credits as text (exact), {@code amount_micros}
 * the same as a whole number; {@code job_id} and {@code node_id} are empty (CSV) or null (JSON) when not set.
 * Columns are only ever added at the end. Pure functions; thread-safe.
 */
public final class LedgerExport {

    /** The CSV header: the column names, in order. */
    public static final String HEADER = "seq,time,kind,from_account,to_account,amount,amount_micros,job_id,node_id,"
            + "idempotency_key";
    /** The accepted forms of {@code since}. */
    public static final String SINCE_FORM = "an ISO-8601 instant such as 2026-03-01T00:00:00Z, or a date such as "
            + "2026-03-01 (its start, UTC)";

    private LedgerExport() {
    }

    /** One format of export. */
    public enum Format {
        /** RFC 4180 CSV with a header line. */
        CSV,
        /** A JSON array of objects keyed by the column names. */
        JSON;

        /** Parses {@code csv} or {@code json} for the named field. */
        public static Format parse(String field, String text) {
            try {
                return valueOf(text == null ? "" : text.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException(field, text, "csv or json");
            }
        }
    }

    /** Parses the start of an export for the named field. */
    public static Instant since(String field, String text) {
        try {
            return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, text, SINCE_FORM);
        }
    }

    /** The transfers as CSV, header first, lines ended by CRLF as RFC 4180 says. */
    public static String csv(List<LedgerTransfer> transfers) {
        StringBuilder out = new StringBuilder(HEADER).append("\r\n");
        for (LedgerTransfer t : transfers) {
            out.append(t.seq()).append(',').append(t.createdAt()).append(',').append(kind(t)).append(',')
                    .append(field(t.fromAccount())).append(',').append(field(t.toAccount())).append(',')
                    .append(Credits.format(t.amountMicros())).append(',').append(t.amountMicros()).append(',')
                    .append(field(t.jobId())).append(',').append(field(t.nodeId())).append(',')
                    .append(field(t.idempotencyKey())).append("\r\n");
        }
        return out.toString();
    }

    /** The transfers as a JSON array. */
    public static String json(List<LedgerTransfer> transfers) {
        ArrayNode out = Json.mapper().createArrayNode();
        for (LedgerTransfer t : transfers) {
            ObjectNode row = out.addObject();
            row.put("seq", t.seq()).put("time", t.createdAt().toString()).put("kind", kind(t))
                    .put("from_account", t.fromAccount()).put("to_account", t.toAccount())
                    .put("amount", Credits.format(t.amountMicros())).put("amount_micros", t.amountMicros())
                    .put("job_id", t.jobId()).put("node_id", t.nodeId()).put("idempotency_key", t.idempotencyKey());
        }
        return out.toString();
    }

    private static String kind(LedgerTransfer t) {
        return t.kind().name().toLowerCase(Locale.ROOT);
    }

    /** A CSV field, quoted when it holds a comma, a quote or a line break. */
    static String field(String value) {
        if (value == null) {
            return "";
        }
        if (value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")) {
            return '"' + value.replace("\"", "\"\"") + '"';
        }
        return value;
    }
}
