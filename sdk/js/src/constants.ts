/** Tencent's names and values (@tencentcloud/chat 3.6.6), kept exactly so apps move by changing their import. */

export const EVENT = {
  SDK_READY: "sdkStateReady",
  SDK_NOT_READY: "sdkStateNotReady",
  SDK_DESTROY: "sdkDestroy",
  MESSAGE_RECEIVED: "onMessageReceived",
  MESSAGE_MODIFIED: "onMessageModified",
  MESSAGE_REVOKED: "onMessageRevoked",
  MESSAGE_READ_BY_PEER: "onMessageReadByPeer",
  MESSAGE_READ_RECEIPT_RECEIVED: "onMessageReadReceiptReceived",
  CONVERSATION_LIST_UPDATED: "onConversationListUpdated",
  TOTAL_UNREAD_MESSAGE_COUNT_UPDATED: "onTotalUnreadMessageCountUpdated",
  GROUP_LIST_UPDATED: "onGroupListUpdated",
  GROUP_ATTRIBUTES_UPDATED: "groupAttributesUpdated",
  PROFILE_UPDATED: "onProfileUpdated",
  USER_STATUS_UPDATED: "onUserStatusUpdated",
  BLACKLIST_UPDATED: "blacklistUpdated",
  FRIEND_LIST_UPDATED: "onFriendListUpdated",
  FRIEND_GROUP_LIST_UPDATED: "onFriendGroupListUpdated",
  FRIEND_APPLICATION_LIST_UPDATED: "onFriendApplicationListUpdated",
  KICKED_OUT: "kickedOut",
  NET_STATE_CHANGE: "netStateChange",
  ERROR: "error",
} as const;

export const TYPES = {
  CONV_C2C: "C2C",
  CONV_GROUP: "GROUP",
  CONV_SYSTEM: "@TIM#SYSTEM",

  MSG_TEXT: "TIMTextElem",
  MSG_IMAGE: "TIMImageElem",
  MSG_SOUND: "TIMSoundElem",
  MSG_FILE: "TIMFileElem",
  MSG_FACE: "TIMFaceElem",
  MSG_VIDEO: "TIMVideoFileElem",
  MSG_LOCATION: "TIMLocationElem",
  MSG_CUSTOM: "TIMCustomElem",
  MSG_GRP_TIP: "TIMGroupTipElem",
  MSG_GRP_SYS_NOTICE: "TIMGroupSystemNoticeElem",

  MSG_PRIORITY_HIGH: "High",
  MSG_PRIORITY_NORMAL: "Normal",
  MSG_PRIORITY_LOW: "Low",
  MSG_PRIORITY_LOWEST: "Lowest",
  MSG_AT_ALL: "__kImSDK_MesssageAtALL__",

  GRP_WORK: "Private",
  GRP_PRIVATE: "Private",
  GRP_PUBLIC: "Public",
  GRP_MEETING: "ChatRoom",
  GRP_CHATROOM: "ChatRoom",
  GRP_AVCHATROOM: "AVChatRoom",
  GRP_COMMUNITY: "Community",

  GRP_MBR_ROLE_OWNER: "Owner",
  GRP_MBR_ROLE_ADMIN: "Admin",
  GRP_MBR_ROLE_MEMBER: "Member",

  GRP_TIP_MBR_JOIN: 1,
  GRP_TIP_MBR_QUIT: 2,
  GRP_TIP_MBR_KICKED_OUT: 3,
  GRP_TIP_MBR_SET_ADMIN: 4,
  GRP_TIP_MBR_CANCELED_ADMIN: 5,
  GRP_TIP_GRP_PROFILE_UPDATED: 6,
  GRP_TIP_MBR_PROFILE_UPDATED: 7,

  JOIN_OPTIONS_FREE_ACCESS: "FreeAccess",
  JOIN_OPTIONS_NEED_PERMISSION: "NeedPermission",
  JOIN_OPTIONS_DISABLE_APPLY: "DisableApply",
  JOIN_STATUS_SUCCESS: "JoinedSuccess",
  JOIN_STATUS_ALREADY_IN_GROUP: "AlreadyInGroup",
  JOIN_STATUS_WAIT_APPROVAL: "WaitAdminApproval",

  KICKED_OUT_MULT_ACCOUNT: "multipleAccount",
  KICKED_OUT_MULT_DEVICE: "multipleDevice",
  KICKED_OUT_USERSIG_EXPIRED: "userSigExpired",
  KICKED_OUT_REST_API: "REST_API_Kick",

  NET_STATE_CONNECTED: "connected",
  NET_STATE_CONNECTING: "connecting",
  NET_STATE_DISCONNECTED: "disconnected",

  MSG_REMIND_ACPT_AND_NOTE: "AcceptAndNotify",
  MSG_REMIND_ACPT_NOT_NOTE: "AcceptNotNotify",
  MSG_REMIND_DISCARD: "Discard",

  ALLOW_TYPE_ALLOW_ANY: "AllowType_Type_AllowAny",
  ALLOW_TYPE_NEED_CONFIRM: "AllowType_Type_NeedConfirm",
  ALLOW_TYPE_DENY_ANY: "AllowType_Type_DenyAny",
  FORBID_TYPE_NONE: "AdminForbid_Type_None",
  FORBID_TYPE_SEND_OUT: "AdminForbid_Type_SendOut",

  SNS_ADD_TYPE_SINGLE: "Add_Type_Single",
  SNS_ADD_TYPE_BOTH: "Add_Type_Both",
  SNS_DELETE_TYPE_SINGLE: "Delete_Type_Single",
  SNS_DELETE_TYPE_BOTH: "Delete_Type_Both",
  SNS_APPLICATION_TYPE_BOTH: "Pendency_Type_Both",
  SNS_APPLICATION_SENT_TO_ME: "Pendency_Type_ComeIn",
  SNS_APPLICATION_SENT_BY_ME: "Pendency_Type_SendOut",
  SNS_APPLICATION_AGREE: "Response_Action_Agree",
  SNS_APPLICATION_AGREE_AND_ADD: "Response_Action_AgreeAndAdd",

  GENDER_UNKNOWN: "Gender_Type_Unknown",
  GENDER_FEMALE: "Gender_Type_Female",
  GENDER_MALE: "Gender_Type_Male",
} as const;

/** SDK-side error codes (the server's Tencent codes pass through unchanged). */
export const ERR = {
  /** not logged in / SDK not ready */
  NOT_READY: 2024,
  /** parameter error in an SDK call */
  INVALID_PARAMETERS: 2000,
  /** the network is down and the request could not be sent (or its answer was lost) */
  NETWORK: 2800,
  /** no answer within the request timeout */
  TIMEOUT: 2801,
  /** the instance was destroyed or logged out while the request was pending */
  ABORTED: 2802,
  /** the message cannot be found in this instance */
  MESSAGE_NOT_FOUND: 2803,
} as const;
