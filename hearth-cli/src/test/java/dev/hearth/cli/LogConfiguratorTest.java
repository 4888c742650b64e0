// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.net.URL;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogConfiguratorTest {

    @Test
    void codeSetsUpWhatLogbackXmlDescribes() throws Exception {
        LoggerContext fromXml = new LoggerContext();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(fromXml);
        URL xml = LogConfigurator.class.getClassLoader().getResource("logback.xml");
        joran.doConfigure(xml);
        LoggerContext fromCode = new LoggerContext();
        LogConfigurator.configureInCode(fromCode);

        for (String name : List.of(org.slf4j.Logger.ROOT_LOGGER_NAME, "com.github.dockerjava", "org.apache.hc",
                "dev.hearth")) {
            assertEquals(fromXml.getLogger(name).getEffectiveLevel(), fromCode.getLogger(name).getEffectiveLevel(),
                    "level of " + name);
        }
        for (LoggerContext context : List.of(fromXml, fromCode)) {
            Appender<ILoggingEvent> appender = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
            ConsoleAppender<ILoggingEvent> console = assertInstanceOf(ConsoleAppender.class, appender);
            assertEquals("System.err", console.getTarget());
            LayoutWrappingEncoder<?> encoder = assertInstanceOf(LayoutWrappingEncoder.class, console.getEncoder());
            assertInstanceOf(LogLayout.class, encoder.getLayout());
        }
    }

    @Test
    void rootLevelIsWarnUnlessHearthLogLevelSaysOtherwise() {
        assertEquals(Level.WARN, LogConfigurator.rootLevel(null));
        assertEquals(Level.WARN, LogConfigurator.rootLevel(""));
        assertEquals(Level.DEBUG, LogConfigurator.rootLevel("DEBUG"));
        assertEquals(Level.INFO, LogConfigurator.rootLevel("info"));
    }
}
