package com.syncwell.sdk.client

import kotlinx.datetime.LocalDate
import kotlinx.serialization.builtins.serializer
import kotlinx.serialization.json.Json
import kotlinx.serialization.modules.SerializersModule
import kotlinx.serialization.modules.contextual
import kotlin.time.ExperimentalTime
import kotlin.time.Instant

/**
 * The JSON rules of every SyncWell call. The generated models mark date types @Contextual, so their
 * serializers are registered here; unknown fields are ignored (a newer server may add some) and null
 * optional fields are left out of requests (the contract's request bodies forbid explicit nulls where
 * the type is not nullable, and `additionalProperties: false` rejects nothing that is left out).
 */
@OptIn(ExperimentalTime::class)
val SyncWellJson: Json = Json {
    ignoreUnknownKeys = true
    explicitNulls = false
    serializersModule = SerializersModule {
        contextual(Instant.serializer())
        contextual(LocalDate.serializer())
    }
}
