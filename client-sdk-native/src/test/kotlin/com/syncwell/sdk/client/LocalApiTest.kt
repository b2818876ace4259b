// The generated Kotlin client and the hand-written layer against the real local API, started by
// scripts/nativeSdkTest.ts, which passes the API URL, a user's token and two of the user's connections.
package com.syncwell.sdk.client

import com.syncwell.sdk.models.CreateSyncJobRequest
import com.syncwell.sdk.models.DataType
import com.syncwell.sdk.models.DevicePlatform
import com.syncwell.sdk.models.ManualSyncJobRequest
import com.syncwell.sdk.models.RegisterDeviceRequest
import com.syncwell.sdk.models.SyncJobStatus
import com.syncwell.sdk.models.SyncMode
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import java.util.UUID
import java.util.concurrent.atomic.AtomicInteger
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNotEquals
import kotlin.test.assertTrue

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalApiTest {
    private fun required(name: String): String =
        System.getenv(name)?.takeIf { it.isNotBlank() }
            ?: error("$name is not set: run this suite with `npm run test:native`, which starts the API")

    private val baseUrl = required("SYNCWELL_BASE_URL")
    private val token = required("SYNCWELL_TOKEN")
    private val sourceConnectionId = required("SYNCWELL_SOURCE_CONNECTION_ID")
    private val destinationConnectionId = required("SYNCWELL_DESTINATION_CONNECTION_ID")
    private val client = SyncWellClient(baseUrl, { token })

    @AfterAll
    fun close() = client.close()

    private fun manualWorkoutSync() = CreateSyncJobRequest.ManualWrapper(
        ManualSyncJobRequest(
            sourceConnectionId = sourceConnectionId,
            destinationConnectionId = destinationConnectionId,
            dataType = DataType.workout,
            mode = ManualSyncJobRequest.Mode.manual,
        ),
    )

    @Test
    fun `lists the user's connections`() = runBlocking {
        val list = client.read { client.connections.listConnections() }
        val ids = list.connections.map { it.connectionId }
        assertTrue(ids.containsAll(listOf(sourceConnectionId, destinationConnectionId)), "connections $ids")
        assertEquals(ids.size, ids.toSet().size, "no connection listed twice")
    }

    @Test
    fun `creates a sync job with an Idempotency-Key, replays it and reads it`() = runBlocking {
        val key = UUID.randomUUID().toString()
        val accepted = client.send(key) { client.syncJobs.createSyncJob(it, manualWorkoutSync()) }

        // The same key and body again: the server replays the first answer, the same job.
        val replay = client.syncJobs.createSyncJob(key, manualWorkoutSync())
        assertEquals(202, replay.status)
        assertEquals("true", replay.header("Idempotent-Replayed"))
        assertEquals(accepted.jobId, replay.body().jobId)
        // Through the layer with the stored key (an offline queue's retry): the same job once more.
        assertEquals(accepted.jobId, client.send(key) { client.syncJobs.createSyncJob(it, manualWorkoutSync()) }.jobId)

        val job = client.read { client.syncJobs.getSyncJob(accepted.jobId) }
        assertEquals(accepted.jobId, job.jobId)
        assertEquals(SyncMode.manual, job.mode)
        assertEquals(sourceConnectionId, job.sourceConnectionId)
        // No worker runs beside this API, so the job waits in the queue.
        assertEquals(SyncJobStatus.QUEUED, job.status)

        // A new logical call gets a new key, so a new job.
        val another = client.send { client.syncJobs.createSyncJob(it, manualWorkoutSync()) }
        assertNotEquals(accepted.jobId, another.jobId)
    }

    @Test
    fun `a job that does not exist is a typed problem+json 404`() = runBlocking {
        val missing = "job_${UUID.randomUUID()}"
        val error = assertFailsWith<SyncWellApiException> { client.read { client.syncJobs.getSyncJob(missing) } }
        assertEquals(404, error.status)
        val problem = error.problem ?: error("the 404 carried no problem+json body")
        assertEquals("not_found", problem.code)
        assertEquals(404, problem.status)
        assertTrue(problem.correlationId?.isNotBlank() == true, "a correlationId for support")
    }

    @Test
    fun `the same key with another body is refused as idempotency_key_reused, not retried`() = runBlocking {
        val key = UUID.randomUUID().toString()
        client.send(key) { client.syncJobs.createSyncJob(it, manualWorkoutSync()) }
        val other = CreateSyncJobRequest.ManualWrapper(
            ManualSyncJobRequest(sourceConnectionId, destinationConnectionId, DataType.steps, ManualSyncJobRequest.Mode.manual),
        )
        val error = assertFailsWith<SyncWellApiException> { client.send(key) { client.syncJobs.createSyncJob(it, other) } }
        assertEquals(422, error.status)
        assertEquals("idempotency_key_reused", error.problem?.code)
        assertEquals(key, error.idempotencyKey)
    }

    @Test
    fun `registers a device`() = runBlocking {
        val installationId = UUID.randomUUID().toString()
        val device = client.send {
            client.devices.registerDevice(
                it,
                RegisterDeviceRequest(
                    installationId = installationId,
                    platform = DevicePlatform.android,
                    pushToken = "fcm-token-${UUID.randomUUID()}",
                    appVersion = "1.4.2",
                ),
            )
        }
        assertEquals(installationId, device.installationId)
        assertEquals(DevicePlatform.android, device.platform)
        assertTrue(device.deviceId.isNotBlank())
        val devices = client.read { client.devices.listDevices() }
        assertTrue(devices.devices.any { it.deviceId == device.deviceId }, "the new device is listed")
    }

    @Test
    fun `a rejected token is refreshed once through the token provider`() = runBlocking {
        val asked = mutableListOf<Boolean>()
        val refreshing = SyncWellClient(baseUrl, { forceRefresh ->
            asked += forceRefresh
            if (forceRefresh) token else "expired-token"
        })
        refreshing.use {
            val list = it.read { it.connections.listConnections() }
            assertTrue(list.connections.any { c -> c.connectionId == sourceConnectionId })
        }
        assertEquals(listOf(false, true), asked)
    }

    @Test
    fun `a token that stays rejected ends in a typed 401 after one refresh`() = runBlocking {
        val calls = AtomicInteger()
        val rejected = SyncWellClient(baseUrl, { calls.incrementAndGet(); "not-a-token" })
        val error = rejected.use { assertFailsWith<SyncWellApiException> { it.read { it.connections.listConnections() } } }
        assertEquals(401, error.status)
        assertEquals(2, calls.get())
    }
}
