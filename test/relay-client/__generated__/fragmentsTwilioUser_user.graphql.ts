/**
 * @generated SignedSource<<ae0229c0c23077f6c1d08e056dbd7a45>>
 * @lightSyntaxTransform
 */

/* tslint:disable */
/* eslint-disable */
// @ts-nocheck

import { ReaderFragment } from 'relay-runtime';
import { FragmentRefs } from "relay-runtime";
export type fragmentsTwilioUser_user$data = {
  readonly attributes: any | null | undefined;
  readonly dateCreated: any | null | undefined;
  readonly friendlyName: string | null | undefined;
  readonly id: string;
  readonly identity: string | null | undefined;
  readonly isOnline: boolean | null | undefined;
  readonly sid: string;
  readonly " $fragmentType": "fragmentsTwilioUser_user";
};
export type fragmentsTwilioUser_user$key = {
  readonly " $data"?: fragmentsTwilioUser_user$data;
  readonly " $fragmentSpreads": FragmentRefs<"fragmentsTwilioUser_user">;
};

import TwilioUserRefetchQuery_graphql from './TwilioUserRefetchQuery.graphql';

const node: ReaderFragment = {
  "argumentDefinitions": [],
  "kind": "Fragment",
  "metadata": {
    "refetch": {
      "connection": null,
      "fragmentPathInResult": [
        "node"
      ],
      "operation": TwilioUserRefetchQuery_graphql,
      "identifierInfo": {
        "identifierField": "id",
        "identifierQueryVariableName": "id"
      }
    }
  },
  "name": "fragmentsTwilioUser_user",
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
      "name": "sid",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "identity",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "friendlyName",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "attributes",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "isOnline",
      "storageKey": null
    },
    {
      "alias": null,
      "args": null,
      "kind": "ScalarField",
      "name": "dateCreated",
      "storageKey": null
    }
  ],
  "type": "TwilioConversationUser",
  "abstractKey": null
};

(node as any).hash = "37d572be0dd2636eb1d2336830183ef4";

export default node;
