// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core;

/**
 * User input that Hearth refuses before creating anything: names the field and the form it accepts.
 *
 * <p>Thrown by parsers and validators; the message is meant to be shown to the user as it is.
 */
public final class InvalidInputException extends IllegalArgumentException {

    private final String field;
    private final String acceptedForm;

    /**
     * @param field the flag, option or document field at fault, as the user wrote it (e.g. {@code --memory})
     * @param value the rejected value, or {@code null} when it was missing
     * @param acceptedForm what the field accepts, in words a user can act on
     */
    public InvalidInputException(String field, String value, String acceptedForm) {
        super(message(field, value, acceptedForm));
        this.field = field;
        this.acceptedForm = acceptedForm;
    }

    private InvalidInputException(String field, String acceptedForm, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
        this.acceptedForm = acceptedForm;
    }

    /**
     * The same refusal under another field name, e.g. a flag's error reported against the API document field that
     * carried the value ({@code --telegram-token} becomes {@code telegramToken}); the value shown stays as it was.
     */
    public InvalidInputException renamed(String newField) {
        String text = getMessage().startsWith(field) ? newField + getMessage().substring(field.length()) : getMessage();
        return new InvalidInputException(newField, acceptedForm, text, this);
    }

    private static String message(String field, String value, String acceptedForm) {
        if (value == null) {
            return field + " is required: " + acceptedForm;
        }
        return field + " '" + value + "' is invalid: " + acceptedForm;
    }

    /** The flag or field at fault. */
    public String field() {
        return field;
    }

    /** What the field accepts. */
    public String acceptedForm() {
        return acceptedForm;
    }
}
