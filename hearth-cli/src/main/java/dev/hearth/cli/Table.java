// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one table renderer of the command line: a header and rows in columns two spaces apart, fitted to a width.
 * When the rows are wider than the width, the widest {@link Fit#FREE free-text} column is shrunk first (cells cut
 * with an ellipsis), down to its header's width; identifiers and numbers ({@link Fit#KEEP}) are never cut, so a
 * table may still overflow a very narrow terminal rather than lose an id. Immutable; safe to share between threads.
 *
 * @param columns the columns, left to right
 * @param rows the cells, one list per row, each as long as {@code columns}
 */
record Table(List<Column> columns, List<List<String>> rows) {

    /** A width meaning "no limit": the table is as wide as its widest cells. */
    static final int UNLIMITED = 0;

    private static final String GAP = "  ";
    private static final String ELLIPSIS = "…";

    /** Whether a column may be cut to fit the width. */
    enum Fit {
        /** Never cut: ids, states, numbers, times. */
        KEEP,
        /** Free text (hosts, reasons, details, labels): cut with an ellipsis when the table is too wide. */
        FREE
    }

    /**
     * One column.
     *
     * @param header its header, upper case by convention
     * @param fit whether it may be cut
     * @param right whether its cells are aligned right (numbers)
     */
    record Column(String header, Fit fit, boolean right) {

        /** A left-aligned column that is never cut. */
        static Column keep(String header) {
            return new Column(header, Fit.KEEP, false);
        }

        /** A right-aligned column that is never cut (numbers). */
        static Column number(String header) {
            return new Column(header, Fit.KEEP, true);
        }

        /** A left-aligned free-text column, cut first when the table is too wide. */
        static Column free(String header) {
            return new Column(header, Fit.FREE, false);
        }
    }

    Table {
        columns = List.copyOf(columns);
        List<List<String>> copy = new ArrayList<>();
        for (List<String> r : rows) {
            if (r.size() != columns.size()) {
                throw new IllegalArgumentException("a row has " + r.size() + " cells for " + columns.size()
                        + " columns: " + r);
            }
            copy.add(r.stream().map(c -> c == null ? "-" : c).toList());
        }
        rows = List.copyOf(copy);
    }

    /** A table of these columns and rows (each row's cells left to right; a null cell shows as {@code -}). */
    static Table of(List<String[]> rows, Column... columns) {
        return new Table(List.of(columns), rows.stream().map(java.util.Arrays::asList).toList());
    }

    /** The lines of the table fitted to {@code width} columns ({@link #UNLIMITED} for no limit), header first. */
    List<String> lines(int width) {
        int[] w = new int[columns.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = columns.get(i).header().length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        if (width > UNLIMITED) {
            shrink(w, width);
        }
        List<String> lines = new ArrayList<>();
        lines.add(line(columns.stream().map(Column::header).toList(), w));
        rows.forEach(r -> lines.add(line(r, w)));
        return lines;
    }

    /** Prints {@link #lines} to {@code out} and flushes it. */
    void print(PrintWriter out, int width) {
        lines(width).forEach(out::println);
        out.flush();
    }

    /** Narrows the widest free column, one character at a time, until the table fits or none can give more. */
    private void shrink(int[] w, int width) {
        int total = GAP.length() * (w.length - 1);
        for (int x : w) {
            total += x;
        }
        while (total > width) {
            int widest = -1;
            for (int i = 0; i < w.length; i++) {
                Column c = columns.get(i);
                if (c.fit() == Fit.FREE && w[i] > Math.max(c.header().length(), ELLIPSIS.length() + 1)
                        && (widest < 0 || w[i] > w[widest])) {
                    widest = i;
                }
            }
            if (widest < 0) {
                return;
            }
            w[widest]--;
            total--;
        }
    }

    private String line(List<String> cells, int[] w) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < w.length; i++) {
            String cell = cells.get(i);
            if (cell.length() > w[i]) {
                cell = cell.substring(0, w[i] - ELLIPSIS.length()) + ELLIPSIS;
            }
            String pad = " ".repeat(w[i] - cell.length());
            b.append(i == 0 ? "" : GAP).append(columns.get(i).right() ? pad + cell : cell + pad);
        }
        return b.toString().stripTrailing();
    }

    /**
     * The width to fit tables to: on a terminal, {@code COLUMNS} from {@code env} when it is a positive number, else
     * the terminal's own width ({@code stty size}), else 80; {@link #UNLIMITED} when standard output is no terminal
     * (a pipe or a file gets whole cells).
     */
    static int width(Map<String, String> env, boolean terminal) {
        if (!terminal) {
            return UNLIMITED;
        }
        String columns = env.get("COLUMNS");
        if (columns != null && columns.strip().matches("[1-9][0-9]{0,4}")) {
            return Integer.parseInt(columns.strip());
        }
        return Terminal.columns().orElse(80);
    }

    /** Prints this table to {@code out} fitted to the width of this process's terminal, as {@link #width} says. */
    void print(PrintWriter out, Map<String, String> env) {
        print(out, width(env, LogLayout.terminal()));
    }
}
