// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Hearth's logging set up in code, as {@code logback.xml} describes it: one {@link LogLayout} line per event on
 * stderr, Docker's client silent, Apache HttpClient at WARN, the root at {@code HEARTH_LOG_LEVEL} (default WARN).
 * Logback finds it through {@code META-INF/services} before it looks for any XML, which spares every command the
 * XML parser and Joran (a few hundred milliseconds of a cold start). It steps aside, and logback reads its files as
 * usual, when {@code -Dlogback.configurationFile} names one or a {@code logback-test.xml} is on the class path.
 * Logback calls it once, at its initialisation.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    /** Made by logback's service loader. */
    public LogConfigurator() {
    }

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        configureInCode(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** Sets {@code context} up as logback.xml does, reading HEARTH_LOG_LEVEL now. */
    static void configureInCode(LoggerContext context) {
        LogLayout layout = new LogLayout();
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        context.getLogger("com.github.dockerjava").setLevel(Level.OFF);
        context.getLogger("org.apache.hc").setLevel(Level.WARN);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(rootLevel(System.getProperty("HEARTH_LOG_LEVEL", System.getenv("HEARTH_LOG_LEVEL"))));
        root.addAppender(stderr);
    }

    /** The root level {@code setting} names, as logback.xml's {@code ${HEARTH_LOG_LEVEL:-WARN}} reads it. */
    static Level rootLevel(String setting) {
        return setting == null || setting.isEmpty() ? Level.WARN : Level.toLevel(setting);
    }
}
