/**
 * Delivery: the scheduler that works the queue (retries, expiry, delay warnings), routing of each
 * recipient to a connector, the connectors themselves (smarthost, MX, drop folder), the SMTP
 * client, MX resolution and delivery status notifications (bounces).
 *
 * <p>Place in the flow: after the spool. Depends on {@code spool}, {@code config} and {@code smtp}.
 */
package io.portcullis.delivery;
