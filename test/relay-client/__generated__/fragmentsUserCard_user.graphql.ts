/**
 * @generated SignedSource<<3191289b2543061f5819451223e6a35f>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
export type Provider = "ADA" | "COMETCHAT" | "TWILIO_CONVERSATIONS" | "TWO_CHAT" | "VOXIMPLANT" | "%future added value";
import { FragmentRefs } from "relay-runtime";
export type fragmentsUserCard_user$data = {
  readonly active: boolean | null | undefined;
  readonly avatarUrl: string | null | undefined;
  readonly displayName: string | null | undefined;
  readonly email: string | null | undefined;
  readonly id: string;
  readonly provider: Provider;
  readonly " $fragmentType": "fragmentsUserCard_user";
};
export type fragmentsUserCard_user$key = {
  readonly " $data"?: fragmentsUserCard_user$data;
  readonly " $fragmentSpreads": FragmentRefs<"fragmentsUserCard_user">;
};

import UserCardRefetchQuery_graphql from './UserCardRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": UserCardRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "fragmentsUserCard_user",
  "selections": [
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "id",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "provider",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "displayName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "email",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "avatarUrl",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "active",
      "storageKey": null
    }
  ],
  "type": "User",
  "abstractKey": "__isUser"
};

(node as any).hash = "a1e60df22051a312aa2c2eba95af5c89";

export default node;
