import type { AuthorEvent } from '@fairflax/events';
import { IllegalStateError, NotFoundError } from './errors.js';
import { NAME_MAX, requiredText, validId } from './rules.js';

export type AuthorState = { status: 'none' } | { status: 'registered'; id: string; name: string };

export type AuthorCommand =
  | { type: 'RegisterAuthor'; data: { authorId: string; name: string; now: Date } }
  | { type: 'RenameAuthor'; data: { authorId: string; name: string; now: Date } };

export const initialAuthorState = (): AuthorState => ({ status: 'none' });

export function evolveAuthor(state: AuthorState, event: AuthorEvent): AuthorState {
  switch (event.type) {
    case 'AuthorRegistered':
      return { status: 'registered', id: event.data.authorId, name: event.data.name };
    case 'AuthorRenamed':
      return state.status === 'registered' ? { ...state, name: event.data.name } : state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideAuthor(command: AuthorCommand, state: AuthorState): AuthorEvent[] {
  const authorId = validId('author_id', command.data.authorId);
  switch (command.type) {
    case 'RegisterAuthor': {
      const name = requiredText('name', command.data.name, NAME_MAX);
      if (state.status === 'registered') {
        throw new IllegalStateError(`author ${authorId} is already registered`);
      }
      return [
        {
          type: 'AuthorRegistered',
          data: {
            authorId,
            name,
            registeredAt: command.data.now.toISOString(),
          },
        },
      ];
    }
    case 'RenameAuthor': {
      const name = requiredText('name', command.data.name, NAME_MAX);
      if (state.status !== 'registered') {
        throw new NotFoundError(`author ${authorId} does not exist`);
      }
      // Renaming to the current name changes nothing, so it records nothing.
      if (name === state.name) return [];
      return [
        {
          type: 'AuthorRenamed',
          data: {
            authorId: state.id,
            name,
            previousName: state.name,
            renamedAt: command.data.now.toISOString(),
          },
        },
      ];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
