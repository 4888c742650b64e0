// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** Hearth's one configured Jackson mapper: ISO-8601 times, enums by their wire names. Thread-safe. */
public final class Json {

    // Jackson's buffers are pooled per thread by default; with a virtual thread per connection (three, counting its
    // watch and writer) that kept a buffer set per thread alive: about 160 MiB at 10,000 agents. A shared pool keeps
    // as many as are in use at once.
    private static final ObjectMapper MAPPER = JsonMapper.builder(factory())
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private Json() {
    }

    /**
     * A new JSON factory whose buffers come from one pool shared by all threads, for any mapper Hearth builds:
     * Jackson's default keeps a buffer set per thread, and the coordinator runs a few virtual threads per connection.
     */
    public static JsonFactory factory() {
        return JsonFactory.builder().recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool()).build();
    }

    /** The shared mapper. Do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
