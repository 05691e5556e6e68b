// On the login page: nobody is logged in on this browser any more (a logout from any
// page, or a session that ended), so the field app forgets the day it kept. What is
// still pending stays for its owner's next login (store.forgetPersonal).
import { forgetPersonal } from "./store.js";

forgetPersonal().catch(() => {});
