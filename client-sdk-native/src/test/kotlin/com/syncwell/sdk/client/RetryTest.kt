// The layer's retry rules, with a MockEngine standing in for the server so that 429, 503 and network
// failures can be had on demand (the local API has no switch for them). The waits are recorded, not slept.
package com.syncwell.sdk.client

import com.syncwell.sdk.models.DevicePlatform
import com.syncwell.sdk.models.RegisterDeviceRequest
import io.ktor.client.engine.mock.MockEngine
import io.ktor.client.engine.mock.MockRequestHandleScope
import io.ktor.client.engine.mock.respond
import io.ktor.client.request.HttpRequestData
import io.ktor.client.request.HttpResponseData
import io.ktor.http.HttpHeaders
import io.ktor.http.HttpStatusCode
import io.ktor.http.headersOf
import kotlinx.coroutines.runBlocking
import kotlinx.io.IOException
import org.junit.jupiter.api.Test
import java.time.Instant
import kotlin.random.Random
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

class RetryTest {
    private val device = """{"deviceId":"dev_1","installationId":"inst-1","platform":"ios",
        "createdAt":"2026-12-06T10:00:00Z","updatedAt":"2026-12-06T10:00:00Z"}"""

    private fun MockRequestHandleScope.problem(status: Int, code: String, vararg headers: Pair<String, String>) =
        respond(
            """{"type":"about:blank","title":"$code","status":$status,"code":"$code"}""",
            HttpStatusCode.fromValue(status),
            headersOf(*(headers.map { it.first to listOf(it.second) } + (HttpHeaders.ContentType to listOf("application/problem+json"))).toTypedArray()),
        )

    private fun MockRequestHandleScope.created() =
        respond(device, HttpStatusCode.Created, headersOf(HttpHeaders.ContentType, "application/json"))

    /** A client over answers given in order; returns it with the requests seen and the waits asked for. */
    private fun clientAnswering(
        vararg answers: MockRequestHandleScope.(HttpRequestData) -> HttpResponseData,
        retry: RetryPolicy = RetryPolicy(),
    ): Triple<SyncWellClient, MutableList<HttpRequestData>, MutableList<Long>> {
        val seen = mutableListOf<HttpRequestData>()
        val waits = mutableListOf<Long>()
        val engine = MockEngine { request ->
            seen += request
            answers[seen.size - 1](request)
        }
        val client = SyncWellClient(
            "http://api.test",
            { "token-1" },
            retry = retry,
            engine = engine,
            sleep = { waits += it },
            random = Random(7),
        )
        return Triple(client, seen, waits)
    }

    private val registration = RegisterDeviceRequest("inst-1", DevicePlatform.ios, "apns-token")

    @Test
    fun `a 503 is retried after its Retry-After with the same Idempotency-Key and token`() = runBlocking {
        val (client, seen, waits) = clientAnswering({ problem(503, "service_unavailable", "Retry-After" to "2") }, { created() })
        val result = client.send("key-1") { client.devices.registerDevice(it, registration) }
        assertEquals("dev_1", result.deviceId)
        assertEquals(listOf(2000L), waits)
        assertEquals(listOf("key-1", "key-1"), seen.map { it.headers["Idempotency-Key"] })
        assertEquals(listOf("Bearer token-1", "Bearer token-1"), seen.map { it.headers[HttpHeaders.Authorization] })
    }

    @Test
    fun `a 429's Retry-After is capped by maxDelayMs`() = runBlocking {
        val (client, _, waits) = clientAnswering({ problem(429, "rate_limited", "Retry-After" to "120") }, { created() })
        client.send { client.devices.registerDevice(it, registration) }
        assertEquals(listOf(5000L), waits)
    }

    @Test
    fun `network failures back off with jitter inside the exponential bound, keeping the key`() = runBlocking {
        val (client, seen, waits) = clientAnswering(
            { throw IOException("connection reset") },
            { throw IOException("connection reset") },
            { created() },
        )
        client.send { client.devices.registerDevice(it, registration) }
        assertEquals(2, waits.size)
        assertTrue(waits[0] in 0..200 && waits[1] in 0..400, "waits $waits outside [0, 200] and [0, 400]")
        assertEquals(1, seen.map { it.headers["Idempotency-Key"] }.toSet().size)
    }

    @Test
    fun `409 idempotency_key_in_use is retried, other client errors are not`() = runBlocking {
        val (inUse, seenInUse, _) = clientAnswering({ problem(409, "idempotency_key_in_use") }, { created() })
        inUse.send { inUse.devices.registerDevice(it, registration) }
        assertEquals(2, seenInUse.size)

        val (invalid, seenInvalid, waits) = clientAnswering({ problem(400, "validation_failed") })
        val error = assertFailsWith<SyncWellApiException> { invalid.send("key-2") { invalid.devices.registerDevice(it, registration) } }
        assertEquals("validation_failed", error.problem?.code)
        assertEquals("key-2", error.idempotencyKey)
        assertEquals(1, seenInvalid.size)
        assertEquals(emptyList(), waits)
    }

    @Test
    fun `501 is permanent and attempts stop at maxAttempts`() = runBlocking {
        val (notImplemented, seen501, _) = clientAnswering({ problem(501, "not_implemented") })
        assertFailsWith<SyncWellApiException> { notImplemented.send { notImplemented.devices.registerDevice(it, registration) } }
        assertEquals(1, seen501.size)

        val (down, seenDown, waits) = clientAnswering(
            { problem(503, "service_unavailable", "Retry-After" to "1") },
            { problem(503, "service_unavailable", "Retry-After" to "1") },
            { problem(503, "service_unavailable", "Retry-After" to "1") },
            retry = RetryPolicy(maxAttempts = 3),
        )
        val error = assertFailsWith<SyncWellApiException> { down.send { down.devices.registerDevice(it, registration) } }
        assertEquals(503, error.status)
        assertEquals(3, seenDown.size)
        assertEquals(listOf(1000L, 1000L), waits)
    }

    @Test
    fun `Retry-After is read in seconds or as an HTTP date`() {
        val now = Instant.parse("2026-12-06T10:00:00Z")
        assertEquals(3000L, parseRetryAfterMs("3", now))
        assertEquals(30_000L, parseRetryAfterMs("Sun, 06 Dec 2026 10:00:30 GMT", now))
        assertEquals(0L, parseRetryAfterMs("Sun, 06 Dec 2026 09:59:00 GMT", now))
        assertNull(parseRetryAfterMs("soon", now))
        assertNull(parseRetryAfterMs(null, now))
    }
}
