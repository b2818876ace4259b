// The UserDeletionRequested message for an account: what DELETE /v1/users/me sends (and sends again
// on a repeated request), built in one place so the message pact checks the producer's own builder.
import type { MessageInput } from '../messaging/messageCodec.js';
import type { AccountDeletion } from '../store/deletedUserRepository.js';

export const deletionRequestOf = (
  userId: string,
  deletion: AccountDeletion,
): MessageInput<'userDeletion'> => ({
  userId,
  requestedAt: deletion.requestedAt,
});
