// The hand-written layer over the generated Ktor client: what the TypeScript SDK's transport adds
// (client-sdk/src/transport.ts). A bearer token from the app's provider (refreshed once on 401), one
// Idempotency-Key per logical call reused by every retry, and retries with exponential backoff and full
// jitter that honour Retry-After (network errors, 429, 5xx except 501, 409 idempotency_key_in_use).
// Error statuses come back as SyncWellApiException carrying the contract's problem+json body.
package com.syncwell.sdk.client

import com.syncwell.sdk.apis.ConnectionsApi
import com.syncwell.sdk.apis.DevicesApi
import com.syncwell.sdk.apis.ExportsApi
import com.syncwell.sdk.apis.SyncConfigsApi
import com.syncwell.sdk.apis.SyncJobsApi
import com.syncwell.sdk.apis.UsersApi
import com.syncwell.sdk.infrastructure.HttpResponse
import com.syncwell.sdk.models.Problem
import io.ktor.client.HttpClientConfig
import io.ktor.client.engine.HttpClientEngine
import io.ktor.client.engine.cio.CIO
import io.ktor.client.plugins.api.createClientPlugin
import io.ktor.client.plugins.contentnegotiation.ContentNegotiation
import io.ktor.client.request.bearerAuth
import io.ktor.client.HttpClient
import io.ktor.client.plugins.api.ClientHook
import io.ktor.client.request.HttpRequestPipeline
import io.ktor.http.ContentType
import io.ktor.http.content.OutgoingContent
import io.ktor.http.content.TextContent
import io.ktor.serialization.kotlinx.json.json
import io.ktor.util.reflect.typeInfo
import kotlinx.coroutines.delay
import kotlinx.io.IOException
import kotlinx.serialization.serializerOrNull
import java.time.Instant as JavaInstant
import java.time.ZonedDateTime
import java.time.format.DateTimeFormatter
import java.util.UUID
import kotlin.math.min
import kotlin.random.Random

/** Returns a current Firebase ID token; `forceRefresh` asks for a new one (after a 401). */
fun interface TokenProvider {
    suspend fun token(forceRefresh: Boolean): String
}

/** The TypeScript SDK's defaults (DEFAULT_RETRY in client-sdk/src/transport.ts). */
data class RetryPolicy(
    /** Attempts per logical call, the first included. */
    val maxAttempts: Int = 4,
    /** Attempt n waits a random time in [0, min(maxDelayMs, baseDelayMs * 2^(n-1))]. */
    val baseDelayMs: Long = 200,
    /** Upper bound of one wait, Retry-After included. */
    val maxDelayMs: Long = 5_000,
    /** No retry starts once this much time would have passed since the first attempt. */
    val maxTotalMs: Long = 20_000,
)

/** A call that ended with an error status; `problem` is the RFC 9457 body when the server sent one. */
class SyncWellApiException(
    val status: Int,
    val problem: Problem?,
    /** The key the call used (null for reads): keep it to retry the same action later. */
    val idempotencyKey: String?,
) : Exception("HTTP $status ${problem?.code ?: "without a problem body"}${problem?.detail?.let { ": $it" } ?: ""}")

/** Every attempt of a call failed before any response came back. */
class SyncWellNetworkException(val idempotencyKey: String?, cause: Throwable) :
    Exception("Network request failed: ${cause.message}", cause)

class SyncWellClient(
    baseUrl: String,
    private val tokenProvider: TokenProvider,
    private val retry: RetryPolicy = RetryPolicy(),
    /** Tests pass a MockEngine; the app may pass Darwin/OkHttp. One engine serves every API below. */
    engine: HttpClientEngine = CIO.create(),
    private val sleep: suspend (Long) -> Unit = { delay(it) },
    private val random: Random = Random.Default,
    private val nowMs: () -> Long = { System.nanoTime() / 1_000_000 },
) : AutoCloseable {
    private val engine = engine

    // The generated clients send the token of the attempt under way; every call of one client acts for the
    // same user, so a token fetched (or refreshed) by one call is valid for the others too.
    @Volatile private var currentToken: String? = null

    private val configure: (HttpClientConfig<*>) -> Unit = { config ->
        config.install(OneOfRequestBodies)
        config.install(ContentNegotiation) {
            json(SyncWellJson)
            // Error bodies are application/problem+json: decoded by the same rules into Problem.
            json(SyncWellJson, ContentType.Application.ProblemJson)
        }
        config.install(
            createClientPlugin("SyncWellBearerToken") {
                onRequest { request, _ -> currentToken?.let { request.bearerAuth(it) } }
            },
        )
    }

    val connections = ConnectionsApi(baseUrl, engine, configure)
    val syncConfigs = SyncConfigsApi(baseUrl, engine, configure)
    val syncJobs = SyncJobsApi(baseUrl, engine, configure)
    val devices = DevicesApi(baseUrl, engine, configure)
    val users = UsersApi(baseUrl, engine, configure)
    val exports = ExportsApi(baseUrl, engine, configure)

    /** A read (GET): retried like any call, without an Idempotency-Key. */
    suspend fun <T> read(call: suspend () -> HttpResponse<T>): T = execute(null) { call() }

    /**
     * A state-changing call. `idempotencyKey` defaults to a new UUID; pass a stored one to retry an action
     * later (an offline queue keeps it with the action). Every attempt of this call sends the same key.
     */
    suspend fun <T> send(
        idempotencyKey: String = UUID.randomUUID().toString(),
        call: suspend (idempotencyKey: String) -> HttpResponse<T>,
    ): T = execute(idempotencyKey) { call(idempotencyKey) }

    private suspend fun <T> execute(idempotencyKey: String?, attemptCall: suspend () -> HttpResponse<T>): T {
        val started = nowMs()
        var attempt = 0
        var refreshed = false
        var forceRefresh = false
        while (true) {
            attempt += 1
            currentToken = tokenProvider.token(forceRefresh)
            forceRefresh = false

            var failure: Throwable
            var retryAfterMs: Long? = null
            try {
                val response = attemptCall()
                if (response.success) return response.body()
                if (response.status == 401 && !refreshed) {
                    // The token expired or was revoked: ask the provider for a fresh one and start over once.
                    refreshed = true
                    forceRefresh = true
                    attempt = 0
                    continue
                }
                val problem = problemOf(response)
                failure = SyncWellApiException(response.status, problem, idempotencyKey)
                if (!isRetryable(response.status, problem)) throw failure
                retryAfterMs = parseRetryAfterMs(response.header("Retry-After"))
            } catch (error: IOException) {
                failure = SyncWellNetworkException(idempotencyKey, error)
            }

            val delayMs = retryAfterMs?.coerceAtMost(retry.maxDelayMs) ?: jitter(attempt)
            if (attempt >= retry.maxAttempts || nowMs() - started + delayMs > retry.maxTotalMs) throw failure
            sleep(delayMs)
        }
    }

    private fun jitter(attempt: Int): Long {
        val ceiling = min(retry.maxDelayMs, retry.baseDelayMs shl (attempt - 1).coerceAtMost(30))
        return random.nextLong(ceiling + 1)
    }

    private suspend fun problemOf(response: HttpResponse<*>): Problem? =
        try {
            response.typedBody<Problem>(typeInfo<Problem>())
        } catch (error: Exception) {
            // Not a problem+json body (a proxy's HTML page, an empty 502): the status alone tells the story.
            null
        }

    override fun close() {
        engine.close()
    }
}

/**
 * A oneOf request body (CreateSyncJobRequest.ManualWrapper, …) is a value class of a sealed interface that
 * carries the serializer. The generated client hands it to Ktor as `Any?`, so ContentNegotiation would look
 * for a serializer of the value class itself and fail; this encodes it through its interface first.
 */
private val OneOfRequestBodies = createClientPlugin("SyncWellOneOfRequestBodies") {
    on(BeforeBodyTransform) { body ->
        val module = SyncWellJson.serializersModule
        // Models with their own serializer (every other body) are left to ContentNegotiation.
        if (body is OutgoingContent || module.serializerOrNull(body.javaClass) != null) return@on null
        val serializer = body.javaClass.interfaces.firstNotNullOfOrNull { module.serializerOrNull(it) } ?: return@on null
        TextContent(SyncWellJson.encodeToString(serializer, body), ContentType.Application.Json)
    }
}

/**
 * The request pipeline's Before phase, ahead of every body transformer: the generated client installs
 * ContentNegotiation first, so a transformRequestBody hook installed after it would come too late.
 */
private object BeforeBodyTransform : ClientHook<suspend (body: Any) -> OutgoingContent?> {
    override fun install(client: HttpClient, handler: suspend (body: Any) -> OutgoingContent?) {
        client.requestPipeline.intercept(HttpRequestPipeline.Before) { body ->
            handler(body)?.let { proceedWith(it) }
        }
    }
}

/** Header names are case-insensitive; the generated response keeps them as the server sent them. */
internal fun HttpResponse<*>.header(name: String): String? =
    headers.entries.firstOrNull { it.key.equals(name, ignoreCase = true) }?.value?.firstOrNull()

/** 5xx (but 501, which is permanent), 429 and 409 idempotency_key_in_use are worth another attempt. */
internal fun isRetryable(status: Int, problem: Problem?): Boolean =
    status == 429 || (status >= 500 && status != 501) ||
        (status == 409 && problem?.code == "idempotency_key_in_use")

/** Retry-After in seconds or as an HTTP date, in milliseconds; null when absent or unreadable. */
internal fun parseRetryAfterMs(value: String?, now: JavaInstant = JavaInstant.now()): Long? {
    if (value.isNullOrBlank()) return null
    value.trim().toLongOrNull()?.let { seconds -> return if (seconds >= 0) seconds * 1000 else null }
    return try {
        val at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant()
        (at.toEpochMilli() - now.toEpochMilli()).coerceAtLeast(0)
    } catch (error: java.time.format.DateTimeParseException) {
        null
    }
}
