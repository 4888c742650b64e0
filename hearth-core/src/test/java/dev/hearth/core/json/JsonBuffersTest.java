// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.hearth.core.protocol.ProtocolCodec;
import java.lang.reflect.Field;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Jackson's buffers are pooled for all threads, not kept per (virtual) thread")
class JsonBuffersTest {

    @Test
    @DisplayName("the shared mapper and the protocol codec's mapper take buffers from one shared pool")
    void sharedPool() throws Exception {
        assertThat(Json.mapper().getFactory()._getRecyclerPool())
                .isSameAs(JsonRecyclerPools.sharedConcurrentDequePool());
        Field codec = ProtocolCodec.class.getDeclaredField("MAPPER");
        codec.setAccessible(true);
        assertThat(((com.fasterxml.jackson.databind.ObjectMapper) codec.get(null)).getFactory()._getRecyclerPool())
                .isSameAs(JsonRecyclerPools.sharedConcurrentDequePool())
                .isNotSameAs(JsonRecyclerPools.threadLocalPool());
    }
}
