// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every operation of the coordinator's API this client calls, as docs/openapi.yaml names it (method and path
 * template): the only place a path is written, so a test can hold the list against the published contract.
 */
enum Endpoint {
    SUBMIT_JOB("POST", "/v1/jobs"),
    SUBMIT_JOBS("POST", "/v1/jobs/batch"),
    LIST_JOBS("GET", "/v1/jobs"),
    GET_JOB("GET", "/v1/jobs/{id}"),
    JOB_LOGS("GET", "/v1/jobs/{id}/logs"),
    JOB_RECEIPT("GET", "/v1/jobs/{id}/receipt"),
    CANCEL_JOB("POST", "/v1/jobs/{id}/cancel"),
    JOB_OUTPUTS("GET", "/v1/jobs/{id}/outputs"),
    JOB_OUTPUT("GET", "/v1/jobs/{id}/outputs/{path}"),
    GET_NODE("GET", "/v1/nodes/{id}"),
    BLOB_EXISTS("HEAD", "/v1/blobs/{digest}"),
    PUT_BLOB("PUT", "/v1/blobs/{digest}");

    private final String method;
    private final String template;

    Endpoint(String method, String template) {
        this.method = method;
        this.template = template;
    }

    String method() {
        return method;
    }

    String template() {
        return template;
    }

    /**
     * The path with each {@code {name}} replaced by the next parameter, percent-encoded; the last template parameter
     * named {@code path} keeps its slashes (an output's path inside the job).
     */
    String path(List<String> params) {
        StringBuilder b = new StringBuilder();
        List<String> left = new ArrayList<>(params);
        int i = 0;
        while (i < template.length()) {
            int open = template.indexOf('{', i);
            if (open < 0) {
                b.append(template, i, template.length());
                break;
            }
            int close = template.indexOf('}', open);
            b.append(template, i, open);
            if (left.isEmpty()) {
                throw new IllegalArgumentException(this + " needs a value for " + template.substring(open, close + 1));
            }
            String value = left.remove(0);
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException(template.substring(open + 1, close) + " must not be empty");
            }
            if (template.startsWith("{path}", open)) {
                List<String> segments = new ArrayList<>();
                for (String s : value.split("/", -1)) {
                    segments.add(encode(s));
                }
                b.append(String.join("/", segments));
            } else {
                b.append(encode(value));
            }
            i = close + 1;
        }
        return b.toString();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code "GET /v1/jobs/{id}"}. */
    @Override
    public String toString() {
        return method + " " + template;
    }
}
