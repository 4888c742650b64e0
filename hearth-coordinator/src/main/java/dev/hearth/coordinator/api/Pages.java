// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Cursor paging of the list operations: {@code limit} (1 to a maximum) and {@code cursor} (the {@code next} of the
 * previous page, opaque) in the query; {@code next} in the body and a {@code Link: <...>; rel="next"} header when
 * more follow. A cursor names the last item's sort key, not an index, so items added or removed meanwhile never
 * shift the pages after it. Stateless.
 */
final class Pages {

    /** Items per page when no {@code limit} is given. */
    static final int DEFAULT_LIMIT = 100;
    /** The most items a page holds. */
    static final int MAX_LIMIT = 500;

    private Pages() {
    }

    /**
     * A page asked for.
     *
     * @param limit the most items
     * @param after the sort key the page starts after; empty for the first page
     */
    record Request(int limit, Optional<String> after) {
    }

    /** The query's {@code limit} and {@code cursor}, or empty when one is invalid (then the 400 was answered). */
    static Optional<Request> request(ServerRequest req, ServerResponse res) {
        return request(req, res, DEFAULT_LIMIT, MAX_LIMIT);
    }

    /** As {@link #request(ServerRequest, ServerResponse)}, with this operation's default and largest limit. */
    static Optional<Request> request(ServerRequest req, ServerResponse res, int defaultLimit, int maxLimit) {
        String text = req.query().first("limit").orElse(String.valueOf(defaultLimit));
        int limit;
        try {
            limit = Integer.parseInt(text.strip());
            if (limit < 1 || limit > maxLimit) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            JsonResponses.invalid(res, "limit", "limit '" + text + "' is invalid: a whole number from 1 to "
                    + maxLimit);
            return Optional.empty();
        }
        Optional<String> cursor = req.query().first("cursor").asOptional();
        if (cursor.isEmpty()) {
            return Optional.of(new Request(limit, Optional.empty()));
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor.get()), StandardCharsets.UTF_8);
            if (!plain.startsWith("k:")) {
                throw new IllegalArgumentException("not a page cursor");
            }
            return Optional.of(new Request(limit, Optional.of(plain.substring(2))));
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, "cursor", "cursor '" + cursor.get() + "' is invalid: pass the 'next' value "
                    + "of the previous page unchanged, or leave it out for the first page");
            return Optional.empty();
        }
    }

    /** The cursor of a page that ends at the item with sort key {@code key}. */
    static String cursor(String key) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("k:" + key).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * One page of {@code items} in the order of {@code key} (each item's key unique): the items after the request's
     * cursor, at most its limit; sets {@code next} on {@code out} and the Link header when more follow.
     */
    static <T> List<T> page(List<T> items, Function<T, String> key, Request page, ObjectNode out, ServerRequest req,
            ServerResponse res) {
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparing(key));
        List<T> after = page.after().map(a -> sorted.stream().filter(i -> key.apply(i).compareTo(a) > 0).toList())
                .orElse(sorted);
        List<T> taken = after.subList(0, Math.min(page.limit(), after.size()));
        if (after.size() > taken.size()) {
            next(cursor(key.apply(taken.getLast())), out, req, res);
        }
        return taken;
    }

    /** Sets {@code next} on {@code out} and the {@code Link: <...>; rel="next"} header of the request's next page. */
    static void next(String cursor, ObjectNode out, ServerRequest req, ServerResponse res) {
        out.put("next", cursor);
        StringBuilder link = new StringBuilder(req.path().absolute().path()).append('?');
        for (String name : req.query().names()) {
            if (!name.equals("cursor")) {
                for (String value : req.query().all(name)) {
                    link.append(encode(name)).append('=').append(encode(value)).append('&');
                }
            }
        }
        link.append("cursor=").append(cursor);
        res.header(HeaderNames.LINK, "<" + link + ">; rel=\"next\"");
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** A sort key of a time and an id that orders as they do: the zero-padded epoch milliseconds, then the id. */
    static String timeKey(java.time.Instant at, String id) {
        return String.format("%015d/%s", at.toEpochMilli(), id);
    }
}
