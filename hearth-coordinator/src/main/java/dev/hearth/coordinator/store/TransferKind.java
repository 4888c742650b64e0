// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

/** Why money moved. */
public enum TransferKind {
    /** From {@code external} into an account: funds from the outside payment system. */
    DEPOSIT,
    /** From a submitter into {@code escrow}: a job's price, at submission. */
    HOLD,
    /** From {@code escrow} to the node whose result passed: the payment. */
    RELEASE,
    /** From {@code escrow} back to the submitter: the job failed, was cancelled or its result did not pass. */
    REFUND,
    /** Into a node's stake account. */
    STAKE
}
