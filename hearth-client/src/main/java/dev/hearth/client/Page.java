// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.util.List;
import java.util.Optional;

/**
 * One page of a list: its items and the cursor of the next page ({@code next}), absent on the last. Immutable.
 *
 * @param items this page's items, in the list's order
 * @param next the cursor to ask for the next page with, or empty on the last page
 * @param <T> the item type
 */
public record Page<T>(List<T> items, Optional<String> next) {

    public Page {
        items = List.copyOf(items);
        next = next == null ? Optional.empty() : next;
    }
}
